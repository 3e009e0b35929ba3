int version() { return 3; }

#pragma once
#include <string>
#include <vector>

// Used only as a type: `MapOf<int>::Type` names it, nothing constructs it.
template <class V> struct MapOf { typedef std::vector<V> Type; };

class Store {
public:
  void put(int v);
  int sum() const;
  bool invariant() const; // called only inside assert()
  std::string legacy_dump() const; // dead
private:
  MapOf<int>::Type values_;
};

std::string read_config(const std::string &path); // per platform
int version();                                    // generated
int unused_helper();                              // dead
int windows_extra();                              // called only under _WIN32

#pragma once
// The reach-run subcommands. Each returns the process exit status and
// throws UsageError / FormatError for main to report (exit 2).
namespace reach::run::cli {

int generate(int argc, char** argv);
int chat(int argc, char** argv);
int serve(int argc, char** argv);
int bench(int argc, char** argv);
int perplexity(int argc, char** argv);
int heads(int argc, char** argv);
int prune(int argc, char** argv);
int quantize(int argc, char** argv);
int merge_lora(int argc, char** argv);
int finetune(int argc, char** argv);
int forge(int argc, char** argv);

}  // namespace reach::run::cli

// Replays a fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput once
// on every file under the given directories (or on the given files), as
// libFuzzer does with `target DIR...` -runs=0. The normal (gcc) build links
// each target with this main, so ctest replays the seed corpus and the
// committed reproducers on every run (tests/fuzz/CMakeLists.txt).
//
// A violated property aborts with its message (fuzz_support.hpp); the name
// of the file being replayed is printed first so the failure names it. A
// directory that does not exist counts as empty (a target without
// reproducers has no regressions/<target>/), but every run must replay at
// least one input.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_of(const fs::path& where) {
  std::vector<fs::path> result;
  if (fs::is_regular_file(where)) {
    result.push_back(where);
  } else if (fs::is_directory(where)) {
    for (auto& entry : fs::recursive_directory_iterator(where))
      if (entry.is_regular_file())
        result.push_back(entry.path());
  }
  // The same order on every machine.
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace

int main(int argc, char** argv) {
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    auto files = inputs_of(argv[i]);
    if (files.empty())
      std::fprintf(stderr, "replay: %s: no inputs\n", argv[i]);
    for (auto& file : files) {
      std::ifstream in{file, std::ios::binary};
      std::vector<char> bytes{std::istreambuf_iterator<char>{in},
                              std::istreambuf_iterator<char>{}};
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 2;
      }
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(),
                   bytes.size());
      // A copy of exactly the input's size, so that reading past its end
      // is caught by a sanitizer as it is under libFuzzer.
      std::vector<uint8_t> data(bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(data.data(), data.size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "replay: no input at all: wrong directories?\n");
    return 2;
  }
  std::fprintf(stderr, "replay: %zu inputs, every property held\n", replayed);
  return 0;
}

// Scratch paths and file reads for tests (testonly).
#ifndef TESSERA_CORE_TEST_FILES_H_
#define TESSERA_CORE_TEST_FILES_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace tessera {

// $TEST_TMPDIR/<name> (or /tmp/<name>), with anything left there by an
// earlier run removed; the path itself does not exist on return.
inline std::string FreshTestPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/" + name;
  std::filesystem::remove_all(path);
  return path;
}

// As FreshTestPath, but an empty directory exists there on return.
inline std::string FreshTestDir(const std::string& name) {
  std::string dir = FreshTestPath(name);
  std::filesystem::create_directories(dir);
  return dir;
}

// The whole file ("" when it cannot be read).
inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace tessera

#endif  // TESSERA_CORE_TEST_FILES_H_

// The Makefile's DEB_PACKAGES, for the tests that hold other lists to it (the Dockerfile's build
// stage, what the build and the tests really use).
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace ops_test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    INFO(path);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Joins backslash-continued lines.
inline std::string join_continuations(std::string text) {
    return std::regex_replace(text, std::regex("\\\\\n"), " ");
}

inline std::set<std::string> words(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    std::string w;
    while (in >> w) out.insert(w);
    return out;
}

inline std::set<std::string> makefile_packages(const std::string& source_dir) {
    std::string make = join_continuations(read_file(source_dir + "/Makefile"));
    std::smatch m;
    REQUIRE(std::regex_search(make, m, std::regex("DEB_PACKAGES\\s*:?=([^\n]*)")));
    return words(m[1]);
}

}  // namespace ops_test

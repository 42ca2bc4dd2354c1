#include "backtest/archive/checksum.h"

#include <openssl/evp.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "backtest/archive/data_error.h"

namespace backtest {

namespace fs = std::filesystem;

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed (OpenSSL)");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

bool verify_checksum(const fs::path& zip, std::string_view bytes) {
    fs::path sum_path = zip;
    sum_path += ".CHECKSUM";
    std::error_code ec;
    if (!fs::exists(sum_path, ec)) return false;
    std::ifstream in(sum_path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) throw DataError(sum_path.string() + ": cannot read");
    const std::string content = text.str();
    // "<64 hex digits><spaces or a tab><file name>", one line (sha256sum's format).
    std::size_t i = 0;
    while (i < content.size() && std::isxdigit(static_cast<unsigned char>(content[i]))) ++i;
    std::string expected = content.substr(0, i);
    std::size_t j = i;
    while (j < content.size() && (content[j] == ' ' || content[j] == '\t' || content[j] == '*')) {
        ++j;
    }
    std::string named = content.substr(j);
    while (!named.empty() &&
           (named.back() == '\n' || named.back() == '\r' || named.back() == ' ')) {
        named.pop_back();
    }
    if (expected.size() != 64 || j == i) {
        throw DataError(sum_path.string() +
                        ": not a checksum file (expected \"<sha256 hex>  <file name>\")");
    }
    if (!named.empty() && named != zip.filename().string()) {
        throw DataError(sum_path.string() + ": names \"" + named + "\", not " +
                        zip.filename().string());
    }
    for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string actual = sha256_hex(bytes);
    if (actual != expected) {
        throw DataError(zip.string() + ": checksum mismatch: SHA-256 is " + actual + ", " +
                        sum_path.filename().string() + " says " + expected +
                        " (download it again)");
    }
    return true;
}

}  // namespace backtest

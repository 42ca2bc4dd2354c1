// The archive's .CHECKSUM files: "<sha256 hex>  <file name>" beside each zip. A zip whose bytes
// do not hash to it was cut short or damaged in the download and is refused.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace backtest {

// Lower-case hex SHA-256 of `bytes` (OpenSSL).
std::string sha256_hex(std::string_view bytes);

// Checks `bytes`, the content of `zip`, against `<zip>.CHECKSUM` when that file exists. Returns
// false when there is none (nothing to check), true when it matches. Throws DataError naming the
// zip when the hash differs, or naming the .CHECKSUM file when it cannot be read, is not in the
// archive's format or names another file.
[[nodiscard]] bool verify_checksum(const std::filesystem::path& zip, std::string_view bytes);

}  // namespace backtest

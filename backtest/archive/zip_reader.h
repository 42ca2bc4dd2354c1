// The CSV inside an archive zip. Binance's zips hold exactly one entry, named like the zip with
// .csv; libzip checks its CRC as it inflates.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace backtest {

// Inflates the one .csv entry of the zip whose bytes are `zip_bytes` into `out` (replacing its
// content; the buffer's capacity is reused). Throws DataError naming `zip` when it is not a zip,
// holds no or several .csv entries, or is damaged.
void read_zip_csv(const std::filesystem::path& zip, std::string_view zip_bytes, std::string& out);

}  // namespace backtest

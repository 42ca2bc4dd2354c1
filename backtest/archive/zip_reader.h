// The CSV inside an archive zip. Binance's zips hold exactly one entry, named like the zip with
// .csv; libzip checks its CRC as it inflates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "backtest/archive/name.h"

namespace backtest {

// The most a zip's CSV may inflate to: what the candles of its file's period can fill.
struct EntryBound {
    std::uint64_t max_bytes = 0;
    std::string holds;  // for the message: "a month of 1m candles"
};

// The bound for a file named `name`: a header row and, for every candle its period can hold,
// a row as wide as the reader accepts (kMaxRowBytes; the archive's rows are about 130 bytes).
inline constexpr std::uint64_t kMaxRowBytes = 512;
inline constexpr std::uint64_t kMaxHeaderBytes = 4096;
EntryBound entry_bound(const ArchiveName& name);

// Inflates the one .csv entry of the zip whose bytes are `zip_bytes` into `out` (replacing its
// content; the buffer's capacity is reused). The size the zip's header declares is not trusted:
// a declaration beyond `bound` is refused before anything is allocated, memory grows only with
// what really inflates, and an entry that inflates to more or less than it declares is refused.
// Throws DataError naming `zip` when it is not a zip, holds no or several .csv entries, lies
// about its size, or is damaged.
void read_zip_csv(const std::filesystem::path& zip, std::string_view zip_bytes,
                  const EntryBound& bound, std::string& out);

}  // namespace backtest

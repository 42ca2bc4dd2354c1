// The two ways market-data files can fail a backtest, each with its own exit status in
// tradebot-backtest: bad data (65, EX_DATAERR) and no data (66, EX_NOINPUT).
#pragma once

#include <stdexcept>
#include <string>

namespace backtest {

// A file that cannot be used: a malformed row ("file:line: field: problem"), a zip that fails its
// checksum or cannot be opened, a damaged .CHECKSUM. what() says which file and what is wrong.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Nothing to replay for a configured symbol: no file matches, or no candle falls in the range.
// what() names the symbol and what was looked for.
class NoDataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace backtest

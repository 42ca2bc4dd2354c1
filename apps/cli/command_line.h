// Command-line parsing for the tradebot binaries: Boost.Program_options with the conventions they
// share, so each main() declares its options and nothing more.
//
//   - long options as `--opt value` or `--opt=value`, `-h` for help; no abbreviations (`--ver` is
//     not `--version`) and no sticky short options;
//   - `--` ends the options: what follows is positional even when it starts with '-';
//   - every mistake is a UsageError in our own words, naming the option: "unknown option
//     --verbose", "--db needs a value", "--json takes no value", "--db given twice",
//     "unexpected argument 'x'". The binaries print it with their usage and exit 64.
#pragma once

#include <boost/program_options.hpp>
#include <climits>
#include <stdexcept>
#include <string>

namespace cli {

namespace po = boost::program_options;

// A command line the program cannot act on (exit 64).
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Exit statuses every tradebot binary uses (sysexits.h names in comments).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 64;   // EX_USAGE
inline constexpr int kExitConfig = 78;  // EX_CONFIG

// Parses argv. Positional arguments go to `positional` (null: none allowed, the first one is
// "unexpected argument"). Throws UsageError.
[[nodiscard]] po::variables_map parse(
    int argc, const char* const* argv, const po::options_description& options,
    const po::positional_options_description* positional = nullptr);

// The option's value when given, with an empty value refused ("--db: empty value").
[[nodiscard]] std::string nonempty(const po::variables_map& vm, const std::string& name);

// The option's value as a whole number in [min, max]; anything else is refused as "--limit:
// expected a whole number from 1 to 1000000, got 'x'".
[[nodiscard]] int whole_number(const po::variables_map& vm, const std::string& name, int min,
                               int max);

// An options_description laid out for an 100-column terminal.
[[nodiscard]] po::options_description options(const std::string& caption);

}  // namespace cli

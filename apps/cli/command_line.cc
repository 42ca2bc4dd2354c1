#include "apps/cli/command_line.h"

#include <charconv>

namespace cli {
namespace {

namespace style = po::command_line_style;

// unix_style without guessing abbreviations or gluing short options together: a typo must be an
// error, never a different option.
constexpr int kStyle = style::unix_style & ~style::allow_guessing & ~style::allow_sticky;

// The hidden option that collects positional arguments when a program takes none, so that the
// first one can be named in the error.
constexpr const char* kStray = "stray-argument";

std::string our_words(const po::error& e) {
    if (const auto* u = dynamic_cast<const po::unknown_option*>(&e)) {
        return "unknown option " + u->get_option_name();
    }
    if (const auto* m = dynamic_cast<const po::multiple_occurrences*>(&e)) {
        return m->get_option_name() + " given twice";
    }
    if (const auto* s = dynamic_cast<const po::invalid_syntax*>(&e)) {
        switch (s->kind()) {
            case po::invalid_syntax::missing_parameter:
            case po::invalid_syntax::empty_adjacent_parameter:
                return s->get_option_name() + " needs a value";
            case po::invalid_syntax::extra_parameter:
                return s->get_option_name() + " takes no value";
            default:
                break;
        }
    }
    return e.what();
}

}  // namespace

po::variables_map parse(int argc, const char* const* argv, const po::options_description& options,
                        const po::positional_options_description* positional) {
    po::options_description all = options;
    po::positional_options_description stray;
    if (!positional) {
        all.add_options()(kStray, po::value<std::vector<std::string>>());
        stray.add(kStray, -1);
        positional = &stray;
    }
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv)
                      .options(all)
                      .positional(*positional)
                      .style(kStyle)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(our_words(e));
    }
    if (vm.count(kStray)) {
        throw UsageError("unexpected argument '" +
                         vm[kStray].as<std::vector<std::string>>().front() + "'");
    }
    return vm;
}

std::string nonempty(const po::variables_map& vm, const std::string& name) {
    std::string v = vm[name].as<std::string>();
    if (v.empty()) throw UsageError("--" + name + ": empty value");
    return v;
}

int whole_number(const po::variables_map& vm, const std::string& name, int min, int max) {
    const std::string text = vm[name].as<std::string>();
    int value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
        throw UsageError("--" + name + ": expected a whole number from " + std::to_string(min) +
                         " to " + std::to_string(max) + ", got '" + text + "'");
    }
    return value;
}

po::options_description options(const std::string& caption) {
    return po::options_description(caption, /*line_length=*/100, /*min_description_length=*/50);
}

}  // namespace cli

#include "config/safe_text.h"

#include <cstddef>

namespace config {
namespace {

bool is_scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Where a URL's authority ends: at its path, query or fragment, or at anything that cannot be in
// a URL and so ends the quote around it (space, quotes, brackets of the surrounding text).
bool ends_authority(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' ||
           c == '<' || c == '>' || c == '`' || c == '\\' || c == '(' || c == ')' || c == ',';
}

// "scheme://user:pass@host" -> "scheme://***@host", for every URL in the text.
std::string redact_user_info(std::string_view text) {
    std::string out;
    std::size_t copied = 0;  // text[0, copied) is in out
    std::size_t from = 0;
    for (;;) {
        const std::size_t sep = text.find("://", from);
        if (sep == std::string_view::npos) break;
        std::size_t scheme = sep;
        while (scheme > 0 && is_scheme_char(text[scheme - 1])) --scheme;
        while (scheme < sep && !is_letter(text[scheme])) ++scheme;  // a scheme starts with a letter
        const std::size_t authority = sep + 3;
        std::size_t end = authority;
        while (end < text.size() && !ends_authority(text[end])) ++end;
        from = end > authority ? end : authority;
        if (scheme == sep) continue;  // no scheme: not a URL
        const std::size_t at = text.substr(authority, end - authority).rfind('@');
        if (at == std::string_view::npos) continue;
        out.append(text.substr(copied, authority - copied));
        out += "***";
        copied = authority + at;  // from the '@' on
    }
    if (copied == 0) return std::string(text);
    out.append(text.substr(copied));
    return out;
}

void append_escaped(std::string& out, unsigned char byte) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
}

// Length of the valid UTF-8 sequence starting at text[i] (2..4), or 0 if it is not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = b(i);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the first continuation byte
    if (lead >= 0xc2 && lead <= 0xdf) {
        len = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        len = 3;
        if (lead == 0xe0) lo = 0xa0;  // no overlong forms
        if (lead == 0xed) hi = 0x9f;  // no UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        len = 4;
        if (lead == 0xf0) lo = 0x90;  // no overlong forms
        if (lead == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k) {
        if (b(i + k) < 0x80 || b(i + k) > 0xbf) return 0;
    }
    return len;
}

}  // namespace

std::string safe_text(std::string_view text, ControlChars controls) {
    const std::string redacted = redact_user_info(text);
    std::string out;
    out.reserve(redacted.size());
    for (std::size_t i = 0; i < redacted.size();) {
        const auto c = static_cast<unsigned char>(redacted[i]);
        if (c < 0x80) {
            if (controls == ControlChars::kEscape && ((c < 0x20 && c != '\t') || c == 0x7f)) {
                append_escaped(out, c);
            } else {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        if (const std::size_t len = utf8_sequence(redacted, i); len > 0) {
            out.append(redacted, i, len);
            i += len;
        } else {
            append_escaped(out, c);
            ++i;
        }
    }
    return out;
}

}  // namespace config

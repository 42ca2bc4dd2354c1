// config::safe_text: what every log line and error message goes through. Expected outputs are
// written by hand.
#include "config/safe_text.h"

#include <catch2/catch.hpp>
#include <string>

using config::safe_text;

TEST_CASE("safe_text: plain text comes back unchanged", "[safe_text]") {
    CHECK(safe_text("") == "");
    CHECK(safe_text("signal BUY price=59971.95 id=2 reason=\"ema9 > ema21\"") ==
          "signal BUY price=59971.95 id=2 reason=\"ema9 > ema21\"");
    CHECK(safe_text("tab\tkept") == "tab\tkept");
    // Valid UTF-8 of every length passes: é (2 bytes), € (3), 😀 (4).
    CHECK(safe_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
          "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    // URLs without credentials, and e-mail-like text without a scheme, are left alone.
    CHECK(safe_text("connect wss://stream.binance.com:9443/stream?streams=a@b") ==
          "connect wss://stream.binance.com:9443/stream?streams=a@b");
    CHECK(safe_text("ops@example.com") == "ops@example.com");
}

TEST_CASE("safe_text: the user-info part of every URL becomes ***", "[safe_text]") {
    CHECK(safe_text("wss://user:pass@host:9443/x") == "wss://***@host:9443/x");
    CHECK(safe_text("https://key@api.example/api/v3") == "https://***@api.example/api/v3");
    CHECK(safe_text("postgresql://tb:s3cret@db.internal:5432/tradebot") ==
          "postgresql://***@db.internal:5432/tradebot");
    // Quoted, several in one message, an '@' in the password, no path.
    CHECK(safe_text("bad \"ws://a:b@h\" and http://c:d@e@f, ok") ==
          "bad \"ws://***@h\" and http://***@f, ok");
    // An '@' after the authority (in the path or query) is not user info.
    CHECK(safe_text("http://h/p?x=u@v") == "http://h/p?x=u@v");
}

TEST_CASE("safe_text: invalid UTF-8 and control bytes are printed as \\xNN", "[safe_text]") {
    CHECK(safe_text("a\xff"
                    "b") == "a\\xffb");
    CHECK(safe_text("line\nforged") == "line\\x0aforged");
    CHECK(safe_text("\x1b[31mred") == "\\x1b[31mred");
    CHECK(safe_text(std::string("nul\0x", 5)) == "nul\\x00x");
    CHECK(safe_text("del\x7f") == "del\\x7f");
    // A truncated sequence, an overlong form, a UTF-16 surrogate, beyond U+10FFFF.
    CHECK(safe_text("\xc3") == "\\xc3");
    CHECK(safe_text("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(safe_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(safe_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
    // Both at once: credentials with a raw byte in them.
    CHECK(safe_text("ws://u:\xffp@h") == "ws://***@h");
}

TEST_CASE("safe_text: kKeep leaves control characters to an output that escapes them",
          "[safe_text]") {
    CHECK(safe_text("a\nb\x01\xff ws://u:p@h", config::ControlChars::kKeep) ==
          "a\nb\x01\\xff ws://***@h");
}

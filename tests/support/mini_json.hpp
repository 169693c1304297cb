// mini_json: a strict little JSON (RFC 8259) parser for tests that check what gopool writes,
// so no JSON library is needed. parse_json throws std::runtime_error on anything invalid.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gopool::test {

// Json: one parsed value. Objects keep their members in a map (duplicate keys are an error).
struct Json {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  bool is(Kind k) const { return kind == k; }
  bool has(const std::string& key) const { return object.count(key) != 0; }
  // at: the member `key` of an object; throws std::out_of_range if absent.
  const Json& at(const std::string& key) const { return object.at(key); }
};

namespace mini_json_detail {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Json parse_document() {
    Json v = value();
    skip_space();
    if (pos_ != text_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  char peek() {
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end");
    return text_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++pos_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  Json value() {
    if (++depth_ > 64) fail("nested too deep");
    Json v;
    const char c = peek();
    if (c == '{') {
      v.kind = Json::Kind::object;
      ++pos_;
      if (peek() == '}') {
        ++pos_;
      } else {
        for (;;) {
          if (peek() != '"') fail("object key must be a string");
          std::string key = string();
          expect(':');
          if (!v.object.emplace(key, value()).second) fail("duplicate key");
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          expect('}');
          break;
        }
      }
    } else if (c == '[') {
      v.kind = Json::Kind::array;
      ++pos_;
      if (peek() == ']') {
        ++pos_;
      } else {
        for (;;) {
          v.array.push_back(value());
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          expect(']');
          break;
        }
      }
    } else if (c == '"') {
      v.kind = Json::Kind::string;
      v.string = string();
    } else if (literal("true")) {
      v.kind = Json::Kind::boolean;
      v.boolean = true;
    } else if (literal("false")) {
      v.kind = Json::Kind::boolean;
    } else if (literal("null")) {
      v.kind = Json::Kind::null;
    } else {
      v.kind = Json::Kind::number;
      v.number = number();
    }
    --depth_;
    return v;
  }
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) fail("short \\u escape");
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = text_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') {
              code |= static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              code |= static_cast<unsigned>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
              code |= static_cast<unsigned>(h - 'A' + 10);
            } else {
              fail("bad hex digit");
            }
          }
          out += code < 0x80 ? static_cast<char>(code) : '?';  // tests only need ASCII
          break;
        }
        default:
          fail("unknown escape");
      }
    }
  }
  double number() {
    const std::size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        ++pos_;
      return pos_ - from;
    };
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      fail("expected a value");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) fail("digits expected after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("digits expected in exponent");
    }
    return std::stod(std::string(text_.substr(start, pos_ - start)));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace mini_json_detail

// parse_json: the value in text, which must be exactly one JSON value (surrounding whitespace
// allowed). Throws std::runtime_error naming the offset of the first error.
inline Json parse_json(std::string_view text) {
  return mini_json_detail::Parser(text).parse_document();
}

}  // namespace gopool::test

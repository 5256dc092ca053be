#include "tables/csv.h"

#include <optional>

namespace topicdesk::tables {

namespace {

// Length of the valid UTF-8 sequence at `pos`, or 0 (overlong forms and surrogates are invalid).
std::size_t utf8_sequence(std::string_view s, std::size_t pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(pos);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  char32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (pos + n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

class Reader {
 public:
  Reader(std::string_view text, const CsvLimits& limits) : text_(text), limits_(limits) {}

  std::variant<CsvRecords, TableProblem> read() {
    if (text_.size() > limits_.max_bytes)
      return TableProblem{.code = "too_big", .limit = static_cast<std::int64_t>(limits_.max_bytes)};
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
    CsvRecords records;
    while (pos_ < text_.size()) {
      if (at_line_end()) {  // an empty line
        skip_line_end();
        continue;
      }
      ++row_;
      if (records.size() >= limits_.max_rows)
        return TableProblem{
            .code = "too_many_rows", .row = row_, .limit = static_cast<std::int64_t>(limits_.max_rows)};
      std::vector<std::string> record;
      for (;;) {
        if (record.size() >= limits_.max_columns) {
          return TableProblem{.code = "too_many_columns",
                              .row = row_,
                              .column = static_cast<std::int64_t>(record.size()) + 1,
                              .limit = static_cast<std::int64_t>(limits_.max_columns)};
        }
        std::string field;
        const auto column = static_cast<std::int64_t>(record.size()) + 1;
        if (auto problem = read_field(field, column)) return *problem;
        record.push_back(std::move(field));
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        break;  // at a line end or the end of the text
      }
      skip_line_end();
      if (records.empty()) header_ = record;
      records.push_back(std::move(record));
    }
    return records;
  }

 private:
  bool at_line_end() const {
    return text_[pos_] == '\n' || (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  void skip_line_end() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  }
  // A problem at `column` of the current record, named by the header's field when there is one.
  TableProblem at(std::string code, std::int64_t column) const {
    TableProblem p{.code = std::move(code), .row = row_, .column = column};
    if (row_ > 1 && column >= 1 && static_cast<std::size_t>(column) <= header_.size()) {
      std::string_view name = header_[static_cast<std::size_t>(column) - 1];
      name = name.substr(0, name.find(':'));
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      for (char c : name)
        p.column_name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return p;
  }
  // Appends the character at pos_ (a whole UTF-8 sequence); false when it is not valid UTF-8.
  bool take(std::string& field) {
    std::size_t n = utf8_sequence(text_, pos_);
    if (n == 0) return false;
    field.append(text_.substr(pos_, n));
    pos_ += n;
    return true;
  }

  std::optional<TableProblem> read_field(std::string& field, std::int64_t column) {
    auto too_long = [&] {
      auto p = at("field_too_long", column);
      p.limit = static_cast<std::int64_t>(limits_.max_field_bytes);
      return p;
    };
    if (pos_ < text_.size() && text_[pos_] == '"') {
      const std::int64_t started = row_;
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size()) {
          auto p = at("unterminated_quote", column);
          p.row = started;
          return p;
        }
        char c = text_[pos_];
        if (c == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            field.push_back('"');
            pos_ += 2;
          } else {
            ++pos_;
            break;
          }
        } else if (!take(field)) {
          return at("bad_utf8", column);
        }
        if (field.size() > limits_.max_field_bytes) return too_long();
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) return at("text_after_quote", column);
      return std::nullopt;
    }
    while (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
      char c = text_[pos_];
      if (c == '"') return at("quote_in_field", column);
      if (c == '\r') return at("bare_carriage_return", column);
      if (!take(field)) return at("bad_utf8", column);
      if (field.size() > limits_.max_field_bytes) return too_long();
    }
    return std::nullopt;
  }

  std::string_view text_;
  const CsvLimits& limits_;
  std::size_t pos_ = 0;
  std::int64_t row_ = 0;
  std::vector<std::string> header_;  // the first record, naming the columns of problems after it
};

}  // namespace

std::variant<CsvRecords, TableProblem> parse_csv(std::string_view text, const CsvLimits& limits) {
  return Reader(text, limits).read();
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    const std::string& f = fields[i];
    // A byte order mark starting a field is quoted: at the start of a file, reading skips one.
    bool quote = f.find_first_of(",\"\r\n") != std::string::npos || f.starts_with("\xEF\xBB\xBF") ||
                 (!f.empty() && (f.front() == ' ' || f.back() == ' ')) || (fields.size() == 1 && f.empty());
    if (!quote) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out += "\r\n";
  return out;
}

}  // namespace topicdesk::tables

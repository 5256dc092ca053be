#include "ai/knowledge.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace topicdesk::ai {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeadingSeparator = " › ";
constexpr std::uintmax_t kMaxPromptFileBytes = 64 * 1024;

std::string_view trim_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

// "## Title" → level 2, "Title"; 0 for a line that is not an ATX heading.
int heading_level(std::string_view line, std::string& title) {
  std::string_view t = trim_line(line);
  int level = 0;
  while (level < static_cast<int>(t.size()) && t[level] == '#') ++level;
  if (level == 0 || level > 6 || (level < static_cast<int>(t.size()) && t[level] != ' ')) return 0;
  std::string_view rest = trim_line(t.substr(level));
  while (!rest.empty() && rest.back() == '#') rest.remove_suffix(1);  // closing #s
  title = std::string(trim_line(rest));
  return title.empty() ? 0 : level;
}

// The length of the longest prefix of `text` at most `max` bytes that ends on a code point boundary.
std::size_t boundary_at_most(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text.size();
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end;
}

// Cuts a paragraph longer than `max` bytes into pieces between words (a word longer than a piece
// is cut on a character boundary).
std::vector<std::string> cut_paragraph(std::string_view text, std::size_t max) {
  std::vector<std::string> pieces;
  while (text.size() > max) {
    std::size_t end = boundary_at_most(text, max);
    std::size_t space = text.substr(0, end).find_last_of(" \n");
    if (space != std::string_view::npos && space > max / 2) end = space;
    pieces.emplace_back(trim_line(text.substr(0, end)));
    text.remove_prefix(end);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  }
  if (!text.empty()) pieces.emplace_back(text);
  return pieces;
}

}  // namespace

bool valid_utf8(std::string_view text, std::size_t* bad_offset) {
  std::size_t i = 0;
  auto fail = [&] {
    if (bad_offset != nullptr) *bad_offset = i;
    return false;
  };
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == 0) return fail();
      ++i;
      continue;
    }
    int more = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      more = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      more = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      more = 3;
      cp = c & 0x07;
    } else {
      return fail();
    }
    if (i + static_cast<std::size_t>(more) >= text.size()) return fail();
    for (int k = 1; k <= more; ++k) {
      auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return fail();
      cp = (cp << 6) | (d & 0x3F);
    }
    const char32_t min = more == 1 ? 0x80 : more == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return fail();
    i += static_cast<std::size_t>(more) + 1;
  }
  return true;
}

std::vector<store::KnowledgePassage> split_markdown(std::string_view source, std::string_view text,
                                                    std::size_t max_bytes) {
  if (max_bytes < 16) max_bytes = 16;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM
  std::vector<store::KnowledgePassage> out;
  std::vector<std::pair<int, std::string>> headings;  // (level, title), outermost first
  std::string passage;                                // paragraphs of the current heading so far
  std::string paragraph;
  bool in_fence = false;

  auto heading_path = [&] {
    std::string path;
    for (const auto& [level, title] : headings) {
      if (!path.empty()) path += kHeadingSeparator;
      path += title;
    }
    return path;
  };
  auto emit = [&](std::string body) {
    store::KnowledgePassage p;
    p.source = std::string(source);
    p.heading = heading_path();
    p.text = std::move(body);
    out.push_back(std::move(p));
  };
  auto flush_passage = [&] {
    if (!passage.empty()) emit(std::move(passage));
    passage.clear();
  };
  auto end_paragraph = [&] {
    std::string para(trim_line(paragraph));
    paragraph.clear();
    if (para.empty()) return;
    if (para.size() > max_bytes) {
      flush_passage();
      for (auto& piece : cut_paragraph(para, max_bytes)) emit(std::move(piece));
      return;
    }
    if (!passage.empty() && passage.size() + 2 + para.size() > max_bytes) flush_passage();
    if (!passage.empty()) passage += "\n\n";
    passage += para;
  };

  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    std::string_view trimmed = trim_line(line);
    if (trimmed.starts_with("```") || trimmed.starts_with("~~~")) in_fence = !in_fence;
    std::string title;
    int level = in_fence ? 0 : heading_level(line, title);
    if (level > 0) {
      end_paragraph();
      flush_passage();
      while (!headings.empty() && headings.back().first >= level) headings.pop_back();
      headings.emplace_back(level, std::move(title));
    } else if (trimmed.empty() && !in_fence) {
      end_paragraph();
    } else {
      if (!paragraph.empty()) paragraph += '\n';
      paragraph += line;
    }
    if (end == text.size()) break;
  }
  end_paragraph();
  flush_passage();
  return out;
}

namespace {

i18n::Message problem(std::string key, std::vector<std::pair<std::string, std::string>> args) {
  return i18n::Message{.key = "ai.problem_" + key, .args = std::move(args)};
}

}  // namespace

Loaded<std::vector<store::KnowledgePassage>> load_knowledge(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return problem("not_a_folder", {{"folder", folder}});
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
  if (ec) return problem("cannot_list", {{"folder", folder}, {"reason", ec.message()}});
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return problem("cannot_list", {{"folder", folder}, {"reason", ec.message()}});
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != ".md" && ext != ".markdown") continue;
    if (!it->is_regular_file(ec)) continue;
    files.push_back(it->path());
    if (files.size() > kMaxKnowledgeFiles)
      return problem("too_many_files", {{"folder", folder}, {"max", std::to_string(kMaxKnowledgeFiles)}});
  }
  if (files.empty()) return problem("no_files", {{"folder", folder}});
  std::sort(files.begin(), files.end());
  std::vector<store::KnowledgePassage> passages;
  for (const auto& file : files) {
    const std::string name = fs::relative(file, folder, ec).generic_string();
    const std::string shown = file.string();
    auto size = fs::file_size(file, ec);
    if (ec) return problem("cannot_read_because", {{"file", shown}, {"reason", ec.message()}});
    if (size > kMaxKnowledgeFileBytes) return problem("file_too_big", {{"file", shown}});
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    if (!in || !(content << in.rdbuf()) || in.bad()) {
      // An empty file reads nothing: not an error.
      if (size > 0) return problem("cannot_read", {{"file", shown}});
    }
    std::string text = content.str();
    std::size_t bad = 0;
    if (!valid_utf8(text, &bad)) {
      const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
      return problem("not_utf8",
                     {{"file", shown}, {"line", std::to_string(line)}, {"byte", std::to_string(bad + 1)}});
    }
    auto more = split_markdown(name, text);
    passages.insert(passages.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
    if (passages.size() > kMaxPassages)
      return problem("too_many_passages", {{"folder", folder}, {"max", std::to_string(kMaxPassages)}});
  }
  return passages;
}

Loaded<std::string> resolve_prompt(const std::string& parameter) {
  if (!parameter.starts_with("file:")) return parameter;
  const std::string path = parameter.substr(5);
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return problem("prompt_cannot_read_because", {{"file", path}, {"reason", ec.message()}});
  if (size > kMaxPromptFileBytes) return problem("prompt_too_big", {{"file", path}});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in && size > 0) return problem("prompt_cannot_read", {{"file", path}});
  std::string text = content.str();
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  std::size_t bad = 0;
  if (!valid_utf8(text, &bad))
    return problem("prompt_not_utf8", {{"file", path}, {"byte", std::to_string(bad + 1)}});
  return text;
}

}  // namespace topicdesk::ai

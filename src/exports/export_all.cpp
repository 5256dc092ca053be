// `topicdesk export`: the whole desk as files in one folder. The history is
// streamed to its files page by page, so a large desk needs no more memory than
// a page.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

#include "crm/broadcast_report.h"
#include "crm/templates.h"
#include "exports/exports.h"
#include "exports/hidden.h"

namespace topicdesk::exports {
namespace {

constexpr int kPage = 5000;
constexpr std::size_t kFlushBytes = 1 << 20;

// A file written at mode 0600 (it holds what users wrote), buffered; errors
// name the file.
class OutFile {
 public:
  explicit OutFile(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) fail("cannot create");
    ::fchmod(fd_, 0600);  // an existing file keeps its mode on open
  }
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;

  void write(std::string_view bytes) {
    buffer_ += bytes;
    if (buffer_.size() >= kFlushBytes) flush();
  }
  void close() {
    flush();
    if (::close(fd_) != 0) {
      fd_ = -1;
      fail("cannot close");
    }
    fd_ = -1;
  }

 private:
  void flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("cannot write");
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(fmt::format("{} {}: {}", what, path_, std::strerror(errno)));
  }
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

// A folder made for the export at mode 0700; one that exists is left as it is.
void make_folder(const std::filesystem::path& dir) {
  if (std::filesystem::is_directory(dir)) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
}

std::string safe_file_name(const store::ConnectionRecord& connection) {
  std::string out;
  for (char c : connection.name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  if (out != connection.name || out.empty() || out[0] == '.') out += "-" + std::to_string(connection.id);
  return out;
}

std::string count(std::int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string write_clients(store::Store& store, const std::filesystem::path& dir) {
  auto doc = clients_document(store, ClientsQuery{});
  OutFile out((dir / "clients.csv").string());
  out.write(doc->str());
  out.close();
  return "clients.csv: " + count(static_cast<std::int64_t>(doc->rows.size()), "client", "clients");
}

std::string write_dialogs(store::Store& store, const std::filesystem::path& dir,
                          const std::vector<store::ConnectionRecord>& connections) {
  OutFile out((dir / "dialogs.csv").string());
  out.write(
      "dialog_id,connection,user_id,pseudonym,status,group_id,thread_id,"
      "topic_title,created_at,"
      "last_user_message_at,last_operator_reply_at,status_changed_at,"
      "owner_id,last_operator_id,banned,"
      "user_blocked_bot,labels\r\n");
  std::int64_t rows = 0;
  for (const auto& connection : connections) {
    std::map<core::DialogId, std::string> labels;
    for (const auto& label : store.labels(connection.id)) {
      for (const auto& carrier : store.label_carriers(label.id, std::numeric_limits<int>::max())) {
        auto& names = labels[carrier.dialog_id];
        names += (names.empty() ? "" : " ") + label.name;
      }
    }
    for (core::DialogId after = 0;;) {
      auto page = store.dialogs_page(connection.id, std::nullopt, after, kPage);
      for (const auto& entry : page) {
        const auto& d = entry.dialog;
        auto l = labels.find(d.id);
        out.write(fmt::format(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n", d.id, crm::csv_field(connection.name),
            d.user_id, crm::csv_field(d.pseudonym), store::to_string(d.status), d.group_id, d.thread_id,
            crm::csv_field(d.topic_title), crm::iso_utc(d.created_at), crm::iso_utc(d.last_user_message_at),
            crm::iso_utc(d.last_operator_reply_at), crm::iso_utc(d.status_changed_at), d.owner_id,
            d.last_operator_id, d.banned ? "yes" : "no", d.user_blocked_bot ? "yes" : "no",
            crm::csv_field(l == labels.end() ? "" : l->second)));
        ++rows;
      }
      if (static_cast<int>(page.size()) < kPage) break;
      after = page.back().dialog.id;
    }
  }
  out.close();
  return "dialogs.csv: " + count(rows, "dialog", "dialogs");
}

std::vector<std::string> write_history(store::Store& store, const std::filesystem::path& dir,
                                       const std::vector<store::ConnectionRecord>& connections) {
  make_folder(dir / "history");
  std::vector<std::string> summary;
  for (const auto& connection : connections) {
    const std::string name = "history/" + safe_file_name(connection) + ".jsonl";
    OutFile out((dir / name).string());
    std::int64_t lines = 0;
    std::optional<store::Dialog> dialog;
    for (std::int64_t after = 0;;) {
      auto page = store.connection_history(connection.id, after, kPage);
      for (const auto& entry : page) {
        if (!dialog || dialog->id != entry.dialog_id)
          dialog = store.dialog(entry.dialog_id).value_or(store::Dialog{.id = entry.dialog_id});
        out.write(history_line(entry, *dialog, true, {}));
        out.write("\n");
        ++lines;
      }
      if (static_cast<int>(page.size()) < kPage) break;
      after = page.back().id;
    }
    out.close();
    summary.push_back(name + ": " + count(lines, "message", "messages"));
  }
  return summary;
}

std::string write_labels(store::Store& store, const std::filesystem::path& dir,
                         const std::vector<store::ConnectionRecord>& connections) {
  OutFile out((dir / "labels.csv").string());
  out.write("connection,id,name,ticker,sends,after,created_at,dialogs\r\n");
  std::int64_t rows = 0;
  for (const auto& connection : connections) {
    auto labels = store.labels(connection.id);
    std::map<std::int64_t, std::string> names;
    for (const auto& label : labels) names[label.id] = label.name;
    for (const auto& label : labels) {
      std::string after;
      for (auto id : label.after) {
        if (auto n = names.find(id); n != names.end()) after += (after.empty() ? "" : " ") + n->second;
      }
      auto carriers = store.label_carriers(label.id, std::numeric_limits<int>::max()).size();
      out.write(fmt::format("{},{},{},{},{},{},{},{}\r\n", crm::csv_field(connection.name), label.id,
                            crm::csv_field(label.name), crm::csv_field(label.ticker),
                            crm::csv_field(label.sends), crm::csv_field(after),
                            crm::iso_utc(label.created_at), carriers));
      ++rows;
    }
  }
  out.close();
  return "labels.csv: " + count(rows, "label", "labels");
}

std::string write_templates(store::Store& store, const std::filesystem::path& dir,
                            const std::vector<store::ConnectionRecord>& connections) {
  OutFile out((dir / "templates.jsonl").string());
  std::int64_t rows = 0;
  for (const auto& connection : connections) {
    for (const auto& t : store.templates(connection.id)) {
      boost::json::object line;
      line["connection"] = connection.name;
      line["id"] = t.id;
      line["name"] = t.name;
      line["parts"] = crm::parts_to_json(t.parts);
      line["saved_by"] = t.saved_by;
      line["saved_by_name"] = t.saved_by_name;
      line["created_at"] = crm::iso_utc(t.created_at);
      line["updated_at"] = crm::iso_utc(t.updated_at);
      out.write(boost::json::serialize(line));
      out.write("\n");
      ++rows;
    }
  }
  out.close();
  return "templates.jsonl: " + count(rows, "template", "templates");
}

}  // namespace

core::Result<std::string> export_all(store::Store& store, const std::string& dir) {
  try {
    const std::filesystem::path root(dir);
    make_folder(root);
    const auto connections = store.connections();
    std::vector<std::string> summary;
    summary.push_back(write_clients(store, root));
    summary.push_back(write_dialogs(store, root, connections));
    for (auto& line : write_history(store, root, connections)) summary.push_back(std::move(line));
    summary.push_back(write_labels(store, root, connections));
    summary.push_back(write_templates(store, root, connections));
    std::string out;
    for (const auto& line : summary) out += line + "\n";
    return out;
  } catch (const std::runtime_error& e) {
    return core::make_error(fmt::format("export to {}: {}", dir, e.what()));
  }
}

}  // namespace topicdesk::exports

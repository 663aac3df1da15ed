// JsonRows: builds a JSON array of flat objects (rows) straight into a string, for handing a batch
// to PostgreSQL's json_to_recordset. Cheaper than a tree of nlohmann::json values on the hot path.
// Strings must be valid UTF-8 (they come from parsed JSON or from checks that guarantee it);
// control characters, quotes and backslashes are escaped. One JsonRows belongs to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cf {

// Appends `text` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view text);

class JsonRows {
 public:
  JsonRows() { out_.push_back('['); }

  JsonRows& row();  // starts the next object
  JsonRows& text(const char* key, std::string_view value);
  JsonRows& text_or_null(const char* key, std::string_view value);  // "" becomes null
  JsonRows& number(const char* key, std::int64_t value);
  JsonRows& number(const char* key, const std::optional<std::int64_t>& value);  // nullopt: null
  JsonRows& null(const char* key);
  JsonRows& strings(const char* key, const std::vector<std::string>& values);
  JsonRows& strings(const char* key, const std::set<std::string>& values);
  JsonRows& object(const char* key, const std::map<std::string, std::string>& values);
  JsonRows& object(const char* key, const std::map<std::string, std::int64_t>& values);

  bool empty() const { return rows_ == 0; }
  std::size_t size() const { return rows_; }
  // The array; the builder is spent afterwards.
  std::string finish();

 private:
  void key(const char* name);
  std::string out_;
  std::size_t rows_ = 0;
  bool first_field_ = true;
};

}  // namespace cf

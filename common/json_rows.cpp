#include "common/json_rows.h"

namespace cf {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      out += "\\u00";
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

JsonRows& JsonRows::row() {
  if (rows_ > 0) out_ += "},";
  out_.push_back('{');
  ++rows_;
  first_field_ = true;
  return *this;
}

void JsonRows::key(const char* name) {
  if (!first_field_) out_.push_back(',');
  first_field_ = false;
  out_.push_back('"');
  out_ += name;
  out_ += "\":";
}

JsonRows& JsonRows::text(const char* name, std::string_view value) {
  key(name);
  append_json_string(out_, value);
  return *this;
}

JsonRows& JsonRows::text_or_null(const char* name, std::string_view value) {
  return value.empty() ? null(name) : text(name, value);
}

JsonRows& JsonRows::number(const char* name, std::int64_t value) {
  key(name);
  out_ += std::to_string(value);
  return *this;
}

JsonRows& JsonRows::number(const char* name, const std::optional<std::int64_t>& value) {
  return value ? number(name, *value) : null(name);
}

JsonRows& JsonRows::null(const char* name) {
  key(name);
  out_ += "null";
  return *this;
}

namespace {
template <typename Container>
void append_string_array(std::string& out, const Container& values) {
  out.push_back('[');
  bool first = true;
  for (const auto& value : values) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, value);
  }
  out.push_back(']');
}
}  // namespace

JsonRows& JsonRows::strings(const char* name, const std::vector<std::string>& values) {
  key(name);
  append_string_array(out_, values);
  return *this;
}

JsonRows& JsonRows::strings(const char* name, const std::set<std::string>& values) {
  key(name);
  append_string_array(out_, values);
  return *this;
}

namespace {
void append_value(std::string& out, const std::string& value) { append_json_string(out, value); }
void append_value(std::string& out, std::int64_t value) { out += std::to_string(value); }

template <typename Value>
void append_object(std::string& out, const std::map<std::string, Value>& values) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : values) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, k);
    out.push_back(':');
    append_value(out, v);
  }
  out.push_back('}');
}
}  // namespace

JsonRows& JsonRows::object(const char* name, const std::map<std::string, std::string>& values) {
  key(name);
  append_object(out_, values);
  return *this;
}

JsonRows& JsonRows::object(const char* name, const std::map<std::string, std::int64_t>& values) {
  key(name);
  append_object(out_, values);
  return *this;
}

std::string JsonRows::finish() {
  if (rows_ > 0) out_.push_back('}');
  out_.push_back(']');
  return std::move(out_);
}

}  // namespace cf

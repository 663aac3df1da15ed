#include "tests/support/fake_systeme.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "common/text.h"
#include "daemon/retry_after.h"

namespace cf::testing {

using namespace Pistache;
using nlohmann::json;

namespace {

void answer(Http::ResponseWriter& response, Http::Code code, const json& body) {
  response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  response.send(code, body.is_null() ? std::string() : body.dump());
}

json contact_json(const FakeContact& contact, const std::map<long long, std::string>& tags) {
  json fields = json::array();
  for (const auto& [slug, value] : contact.fields) fields.push_back({{"slug", slug}, {"value", value}});
  json tag_list = json::array();
  for (long long id : contact.tag_ids) tag_list.push_back({{"id", id}, {"name", tags.at(id)}});
  return {{"id", contact.id}, {"email", contact.email}, {"fields", fields}, {"tags", tag_list}};
}

json already_used(const std::string& property) {
  return {{"detail", property + ": This value is already used."},
          {"violations", json::array({{{"propertyPath", property}, {"message", "This value is already used."}}})}};
}


}  // namespace

FakeSysteme::FakeSysteme(std::string api_key) : api_key_(std::move(api_key)), router_(std::make_unique<Rest::Router>()) {
  routes(*router_);
  endpoint_ = std::make_unique<Http::Endpoint>(Address("127.0.0.1", Port(0)));
  endpoint_->init(Http::Endpoint::options().threads(4).flags(Tcp::Options::ReuseAddr));
  endpoint_->setHandler(router_->handler());
  endpoint_->serveThreaded();
}

FakeSysteme::~FakeSysteme() { endpoint_->shutdown(); }

std::string FakeSysteme::api_base() const {
  return "http://127.0.0.1:" + std::to_string(static_cast<int>(endpoint_->getPort())) + "/api";
}

void FakeSysteme::pass_next(int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < count; ++i) faults_.push_back({0, 0, 0, 0, {}});
}

long long FakeSysteme::add_contact(const std::string& email, const std::map<std::string, std::string>& fields,
                                   const std::vector<std::string>& tag_names) {
  std::lock_guard<std::mutex> lock(mutex_);
  FakeContact contact{next_id_++, email, fields, {}};
  for (const auto& name : tag_names) {
    long long tag_id = 0;
    for (const auto& [id, existing] : tags_) {
      if (existing == name) tag_id = id;
    }
    if (tag_id == 0) {
      tag_id = next_id_++;
      tags_[tag_id] = name;
    }
    contact.tag_ids.insert(tag_id);
  }
  contacts_[contact.id] = contact;
  return contact.id;
}

void FakeSysteme::fail_next(int count, int status, int retry_after_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < count; ++i) faults_.push_back({status, retry_after_seconds, 0, 0, {}});
}

void FakeSysteme::hang_next(int count, int seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < count; ++i) faults_.push_back({0, 0, seconds, 0, {}});
}

void FakeSysteme::slow_next(const std::string& what, int seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  slow_[what] = seconds;
}

void FakeSysteme::answer_deep_next(int count, int depth) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < count; ++i) faults_.push_back({0, 0, 0, depth, {}});
}

void FakeSysteme::answer_next(int status, const std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_.push_back({status, 0, 0, 0, body});
}

long long FakeSysteme::add_tag(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  const long long id = next_id_++;
  tags_[id] = name;
  return id;
}

void FakeSysteme::match_emails_loosely() {
  std::lock_guard<std::mutex> lock(mutex_);
  loose_email_match_ = true;
}

bool FakeSysteme::take_fault(Fault& fault) {
  if (faults_.empty()) return false;
  fault = faults_.front();
  faults_.erase(faults_.begin());
  return true;
}

std::vector<FakeContact> FakeSysteme::contacts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<FakeContact> out;
  for (const auto& [id, contact] : contacts_) out.push_back(contact);
  return out;
}

std::string FakeSysteme::tag_name(long long id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = tags_.find(id);
  return found == tags_.end() ? std::string() : found->second;
}

int FakeSysteme::contacts_created() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return contacts_created_;
}

std::vector<std::string> FakeSysteme::created_emails() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return created_emails_;
}

int FakeSysteme::repeated_assignments() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return repeated_assignments_;
}

int FakeSysteme::calls(const std::string& what) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = calls_.find(what);
  return found == calls_.end() ? 0 : found->second;
}

void FakeSysteme::routes(Rest::Router& router) {
  // Every call: count it, check the key, apply an injected fault; then `work` answers.
  const auto guarded = [this](const std::string& name, auto work) {
    return [this, name, work](const Rest::Request& request, Http::ResponseWriter response) {
      Fault fault;
      bool faulted = false;
      int slow_seconds = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        calls_[name]++;
        faulted = take_fault(fault);
        if (const auto slow = slow_.find(name); slow != slow_.end()) {
          slow_seconds = slow->second;
          slow_.erase(slow);
        }
      }
      if (slow_seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(slow_seconds));
      const auto key = request.headers().tryGetRaw("X-API-Key");
      if (!key || key->value() != api_key_) {
        answer(response, Http::Code::Unauthorized, {{"title", "An error occurred"}, {"detail", "Invalid API key"}});
        return Rest::Route::Result::Ok;
      }
      if (faulted && fault.hang_seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(fault.hang_seconds));
      if (faulted && fault.depth > 0) {
        const auto levels = static_cast<std::size_t>(fault.depth - 1);
        response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
        response.send(Http::Code::Ok, "{\"items\": " + std::string(levels, '[') + std::string(levels, ']') + "}");
        return Rest::Route::Result::Ok;
      }
      if (faulted && !fault.body.empty()) {
        response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
        response.send(static_cast<Http::Code>(fault.status), fault.body);
        return Rest::Route::Result::Ok;
      }
      if (faulted && fault.status > 0) {
        if (fault.retry_after > 0) response.headers().add<daemon::RetryAfter>(fault.retry_after);
        answer(response, static_cast<Http::Code>(fault.status), {{"title", "An error occurred"}, {"detail", "injected"}});
        return Rest::Route::Result::Ok;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      work(request, response);
      return Rest::Route::Result::Ok;
    };
  };

  Rest::Routes::Get(router, "/api/contact_fields", guarded("GET /contact_fields", [this](const Rest::Request&, Http::ResponseWriter& r) {
    json fields = json::array();
    for (const auto& slug : field_slugs_) fields.push_back({{"slug", slug}, {"fieldName", slug}});
    answer(r, Http::Code::Ok, fields);
  }));
  Rest::Routes::Post(router, "/api/contact_fields", guarded("POST /contact_fields", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto body = json::parse(q.body(), nullptr, false);
    const std::string slug = body.is_object() ? body.value("slug", "") : "";
    if (slug.empty()) return answer(r, Http::Code::Unprocessable_Entity, {{"detail", "slug: This value should not be blank."}});
    if (!field_slugs_.insert(slug).second) return answer(r, Http::Code::Unprocessable_Entity, already_used("slug"));
    answer(r, Http::Code::Created, {{"slug", slug}, {"fieldName", body.value("fieldName", slug)}});
  }));
  Rest::Routes::Get(router, "/api/contacts", guarded("GET /contacts", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    // Cursor pagination, ascending by id: limit 10..100 (else 422), startingAfter = the last id seen.
    const auto email = q.query().get("email");
    const int limit = std::stoi(q.query().get("limit").value_or("10"));
    if (limit < 10 || limit > 100) return answer(r, Http::Code::Unprocessable_Entity, {{"detail", "limit: out of range"}});
    const long long after = std::stoll(q.query().get("startingAfter").value_or("0"));
    json items = json::array();
    bool more = false;
    const auto lower = [](std::string text) {
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
      return text;
    };
    const auto matches = [&](const std::string& stored, const std::string& asked) {
      return loose_email_match_ ? lower(stored).find(lower(asked)) != std::string::npos : stored == asked;
    };
    for (auto it = contacts_.upper_bound(after); it != contacts_.end(); ++it) {
      if (email && !matches(it->second.email, cf::url_decode(*email))) continue;
      if (static_cast<int>(items.size()) == limit) {
        more = true;
        break;
      }
      items.push_back(contact_json(it->second, tags_));
    }
    answer(r, Http::Code::Ok, {{"items", items}, {"hasMore", more}});
  }));
  Rest::Routes::Post(router, "/api/contacts", guarded("POST /contacts", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto body = json::parse(q.body(), nullptr, false);
    if (!body.is_object() || !body.contains("email")) return answer(r, Http::Code::Unprocessable_Entity, {{"detail", "email: required"}});
    const std::string email = body["email"];
    for (const auto& [id, contact] : contacts_) {
      if (contact.email == email) return answer(r, Http::Code::Unprocessable_Entity, already_used("email"));
    }
    FakeContact contact{next_id_++, email, {}, {}};
    for (const auto& field : body.value("fields", json::array())) {
      const std::string slug = field.value("slug", "");
      if (field_slugs_.count(slug) == 0) {
        return answer(r, Http::Code::Unprocessable_Entity, {{"detail", "fields: unknown field " + slug}});
      }
      contact.fields[slug] = field.value("value", "");
    }
    contacts_[contact.id] = contact;
    ++contacts_created_;
    created_emails_.push_back(email);
    answer(r, Http::Code::Created, contact_json(contact, tags_));
  }));
  Rest::Routes::Patch(router, "/api/contacts/:id", guarded("PATCH /contacts", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto type = q.headers().tryGet<Http::Header::ContentType>();
    if (!type || type->mime().toString().find("merge-patch+json") == std::string::npos) {
      return answer(r, Http::Code::Unsupported_Media_Type, {{"detail", "use application/merge-patch+json"}});
    }
    const auto found = contacts_.find(q.param(":id").as<long long>());
    if (found == contacts_.end()) return answer(r, Http::Code::Not_Found, {{"title", "An error occurred"}, {"detail", "Not Found"}});
    const auto body = json::parse(q.body(), nullptr, false);
    for (const auto& field : body.value("fields", json::array())) found->second.fields[field.value("slug", "")] = field.value("value", "");
    answer(r, Http::Code::Ok, contact_json(found->second, tags_));
  }));
  Rest::Routes::Get(router, "/api/tags", guarded("GET /tags", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    // Tags whose name holds the query, ascending by id, paged like contacts: limit 10..100
    // (default 10, else 422), startingAfter = the last id seen.
    const std::string query = cf::url_decode(q.query().get("query").value_or(""));
    const int limit = std::stoi(q.query().get("limit").value_or("10"));
    if (limit < 10 || limit > 100) return answer(r, Http::Code::Unprocessable_Entity, {{"detail", "limit: out of range"}});
    const long long after = std::stoll(q.query().get("startingAfter").value_or("0"));
    json items = json::array();
    bool more = false;
    for (auto it = tags_.upper_bound(after); it != tags_.end(); ++it) {
      if (it->second.find(query) == std::string::npos) continue;
      if (static_cast<int>(items.size()) == limit) {
        more = true;
        break;
      }
      items.push_back({{"id", it->first}, {"name", it->second}});
    }
    answer(r, Http::Code::Ok, {{"items", items}, {"hasMore", more}});
  }));
  Rest::Routes::Post(router, "/api/tags", guarded("POST /tags", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto body = json::parse(q.body(), nullptr, false);
    const std::string name = body.is_object() ? body.value("name", "") : "";
    for (const auto& [id, existing] : tags_) {
      if (existing == name) return answer(r, Http::Code::Unprocessable_Entity, already_used("name"));
    }
    const long long id = next_id_++;
    tags_[id] = name;
    answer(r, Http::Code::Created, {{"id", id}, {"name", name}});
  }));
  Rest::Routes::Post(router, "/api/contacts/:id/tags", guarded("POST /contacts/tags", [this](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto found = contacts_.find(q.param(":id").as<long long>());
    if (found == contacts_.end()) return answer(r, Http::Code::Not_Found, {{"title", "An error occurred"}, {"detail", "Not Found"}});
    const auto body = json::parse(q.body(), nullptr, false);
    const long long tag = body.is_object() ? body.value("tagId", 0LL) : 0;
    if (tags_.count(tag) == 0) return answer(r, Http::Code::Unprocessable_Entity, {{"detail", "tagId: unknown tag"}});
    if (!found->second.tag_ids.insert(tag).second) ++repeated_assignments_;
    r.send(Http::Code::No_Content);
  }));
  const auto not_found = [](Http::ResponseWriter& r) {
    answer(r, Http::Code::Not_Found, {{"title", "An error occurred"}, {"detail", "Not Found"}});
  };
  Rest::Routes::Get(router, "/api/contacts/:id", guarded("GET /contacts/id", [this, not_found](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto found = contacts_.find(q.param(":id").as<long long>());
    if (found == contacts_.end()) return not_found(r);
    answer(r, Http::Code::Ok, contact_json(found->second, tags_));
  }));
  Rest::Routes::Delete(router, "/api/contacts/:id/tags/:tag", guarded("DELETE /contacts/tags", [this, not_found](const Rest::Request& q, Http::ResponseWriter& r) {
    const auto found = contacts_.find(q.param(":id").as<long long>());
    if (found == contacts_.end() || found->second.tag_ids.erase(q.param(":tag").as<long long>()) == 0) return not_found(r);
    r.send(Http::Code::No_Content);
  }));
  Rest::Routes::Delete(router, "/api/contacts/:id", guarded("DELETE /contacts", [this, not_found](const Rest::Request& q, Http::ResponseWriter& r) {
    if (contacts_.erase(q.param(":id").as<long long>()) == 0) return not_found(r);
    r.send(Http::Code::No_Content);
  }));
}

}  // namespace cf::testing

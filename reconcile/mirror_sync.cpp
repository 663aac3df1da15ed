#include "reconcile/mirror_sync.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/email.h"
#include "reconcile/queries.h"
#include "relay/relay_metrics.h"
#include "store/erasure.h"
#include "store/ingest_store.h"

namespace cf::reconcile {

using nlohmann::json;

namespace {

constexpr long long kSyncLock = 0x636673796e633031LL;  // "cfsync01"
constexpr int kPageSize = 100;
constexpr int kAttempts = 6;

// One page, retried on 429, 5xx and no answer. The parsed body, or why it gave up.
Result<json> fetch_page(relay::SystemeClient& client, long long after, SyncProgress& progress) {
  auto pause = std::chrono::milliseconds(500);
  for (int attempt = 1;; ++attempt) {
    const auto answer = client.list_contacts(after, kPageSize);
    if (answer.status == 200) {
      const json body = answer.json();
      if (!body.is_object() || !body.contains("items") || !body["items"].is_array() ||
          (body.contains("hasMore") && !body["hasMore"].is_boolean())) {
        return internal_error("the contacts page is not {\"items\": [...], \"hasMore\": bool}");
      }
      return body;
    }
    if (answer.status == 401 || answer.status == 403) {
      return invalid_input("Systeme.io refused the API key (HTTP " + std::to_string(answer.status) + ")");
    }
    const bool retryable = answer.status == 0 || answer.status == 429 || answer.status >= 500;
    if (!retryable || attempt >= kAttempts) {
      return unavailable("listing contacts failed: " +
                         (answer.status == 0 ? answer.error : "HTTP " + std::to_string(answer.status)));
    }
    ++progress.retries;
    relay::metrics::api_retry("sync");
    const auto wait = answer.retry_after_seconds ? std::chrono::milliseconds(std::min(*answer.retry_after_seconds, 60) * 1000)
                                                 : pause;
    std::this_thread::sleep_for(wait);
    pause = std::min(pause * 2, std::chrono::milliseconds(30000));
  }
}

// Where this sync starts: after the cursor a stopped sync left, or at the beginning, recording
// its start time. Every row this sync writes carries that time; at the end, the rows no sync
// since then and no webhook wrote are contacts Systeme.io no longer has. (A sync resumed from a
// cursor saved before that time was recorded cannot tell, and removes nothing: `started` empty.)
struct SyncStart {
  long long after = 0;
  std::optional<std::string> started;
};

SyncStart begin_sync(pqxx::connection& connection, SyncProgress& progress) {
  SyncStart start;
  pqxx::work tx(connection);
  const auto state = tx.exec1(std::string(sql::sync_state));
  if (!state[0].is_null()) {
    start.after = std::stoll(state[0].as<std::string>());
    progress.pages = state[1].as<int>();
    progress.resumed = true;
    if (!state[2].is_null()) start.started = state[2].as<std::string>();
  } else {
    start.started = tx.exec1(std::string(sql::sync_begin))[0].as<std::string>();
  }
  tx.commit();
  return start;
}

// Writes one page's rows in one transaction with the cursor (`more`) or, on the last page, the
// removal of contacts gone from Systeme.io and the end of the sync.
void write_page(pqxx::connection& connection, const json& page_rows, long long last, bool more, const SyncStart& start,
                SyncProgress& progress, const Secret& erasure_key) {
  std::vector<std::string> emails;
  std::vector<long long> ids;
  std::vector<std::pair<long long, std::string>> people;
  for (const auto& row : page_rows) {
    ids.push_back(row["contact_id"].get<long long>());
    if (row["email"].is_string()) emails.push_back(row["email"].get<std::string>());
    people.emplace_back(ids.back(), row["email"].is_string() ? row["email"].get<std::string>() : std::string());
  }
  pqxx::work tx(connection);
  store::lock_people(tx, emails, ids);  // take turns with ingest on these people
  const std::set<long long> erased = store::erased_everywhere(tx, erasure_key, people);
  json rows = json::array();
  for (const auto& row : page_rows) {
    if (erased.count(row["contact_id"].get<long long>()) == 0) rows.push_back(row);
  }
  tx.exec_params(std::string(sql::sync_upsert_contacts), rows.dump(),
                 start.started ? start.started->c_str() : nullptr);
  ++progress.pages;
  progress.contacts += static_cast<long long>(rows.size());
  if (more) {
    tx.exec_params(std::string(sql::sync_save_cursor), std::to_string(last), progress.pages);
  } else {
    if (start.started) {
      progress.removed = tx.exec_params(std::string(sql::sync_remove_gone), *start.started).affected_rows();
    }
    tx.exec0(std::string(sql::sync_finish));
  }
  tx.commit();
}

}  // namespace

json mirror_rows(const json& items, EpochMs now) {
  json rows = json::array();
  for (const auto& contact : items) {
    if (!contact.is_object() || !contact.contains("id") || !contact["id"].is_number_integer()) continue;
    json tags = json::array();
    for (const auto& tag : contact.value("tags", json::array())) {
      if (tag.is_object() && tag.contains("name") && tag["name"].is_string()) tags.push_back(tag["name"]);
    }
    json fields = json::object();
    const json raw_fields = contact.value("fields", json::array());
    if (raw_fields.is_array()) {  // [{"slug", "value"}]; [] when empty
      for (const auto& field : raw_fields) {
        if (field.is_object() && field.value("slug", json()).is_string() && field.value("value", json()).is_string()) {
          fields[field["slug"].get<std::string>()] = field["value"];
        }
      }
    }
    const std::string email = contact.value("email", json()).is_string() ? Email::normalize(contact["email"].get<std::string>()) : "";
    rows.push_back({{"contact_id", contact["id"]}, {"email", email.empty() ? json(nullptr) : json(email)},
                    {"tags", tags}, {"fields", fields}, {"snapshot_at", now}});
  }
  return rows;
}

Result<SyncProgress> sync_mirror(pqxx::connection& connection, relay::SystemeClient& client,
                                 const std::function<void(const SyncProgress&)>& on_page, const Clock& clock,
                                 const Secret& erasure_key) {
  {
    pqxx::nontransaction tx(connection);
    if (!tx.exec_params1("SELECT pg_try_advisory_lock($1)", kSyncLock)[0].as<bool>()) {
      return conflict("another sync of the contact mirror is running");
    }
  }
  struct Unlock {
    pqxx::connection& c;
    ~Unlock() {
      try {
        pqxx::nontransaction(c).exec_params("SELECT pg_advisory_unlock($1)", kSyncLock);
      } catch (const std::exception&) {
        // The session ends soon; PostgreSQL drops the lock with it.
      }
    }
  } unlock{connection};

  SyncProgress progress;
  const SyncStart start = begin_sync(connection, progress);
  for (long long after = start.after;;) {
    auto page = fetch_page(client, after, progress);
    if (!page) return page.error();
    const json rows = mirror_rows((*page)["items"], clock.now_ms());
    long long last = after;
    for (const auto& row : rows) last = std::max(last, row["contact_id"].get<long long>());
    const bool more = page->value("hasMore", false) && last > after;
    write_page(connection, rows, last, more, start, progress, erasure_key);
    if (on_page) on_page(progress);
    if (!more) return progress;
    after = last;
  }
}

std::string describe(const SyncProgress& progress) {
  std::string text = std::string(progress.resumed ? "resumed: " : "") + "synced " + std::to_string(progress.contacts) +
                     " contacts in " + std::to_string(progress.pages) + " pages (" + std::to_string(progress.retries) +
                     " retried answers)";
  if (progress.removed) text += ", removed " + std::to_string(*progress.removed) + " no longer in Systeme.io";
  return text;
}

}  // namespace cf::reconcile

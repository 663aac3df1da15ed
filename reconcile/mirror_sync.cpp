#include "reconcile/mirror_sync.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "common/clock.h"
#include "common/email.h"
#include "relay/relay_metrics.h"
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

// The mirror rows of one page, as the JSON document the upsert takes.
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
    rows.push_back({{"c", contact["id"]}, {"e", email.empty() ? json(nullptr) : json(email)}, {"tg", tags},
                    {"f", fields}, {"at", now}});
  }
  return rows;
}

}  // namespace

Result<SyncProgress> sync_mirror(pqxx::connection& connection, relay::SystemeClient& client,
                                 const std::function<void(const SyncProgress&)>& on_page) {
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
  long long after = 0;
  // Every row this sync writes carries its start time; at the end, the rows no sync since then
  // and no webhook wrote are contacts Systeme.io no longer has. (A sync resumed from a cursor
  // saved before that time was recorded cannot tell, and removes nothing.)
  std::optional<std::string> started;
  {
    pqxx::work tx(connection);
    const auto state = tx.exec1("SELECT sync_cursor, sync_pages, sync_started_at::text FROM reconcile_state");
    if (!state[0].is_null()) {
      after = std::stoll(state[0].as<std::string>());
      progress.pages = state[1].as<int>();
      progress.resumed = true;
      if (!state[2].is_null()) started = state[2].as<std::string>();
    } else {
      started = tx.exec1("UPDATE reconcile_state SET sync_started_at = now() RETURNING sync_started_at::text")[0].as<std::string>();
    }
    tx.commit();
  }
  for (;;) {
    auto page = fetch_page(client, after, progress);
    if (!page) return page.error();
    const json& items = (*page)["items"];
    const json rows = mirror_rows(items, SystemClock().now_ms());
    long long last = after;
    std::vector<std::string> emails;
    std::vector<long long> ids;
    for (const auto& row : rows) {
      last = std::max(last, row["c"].get<long long>());
      ids.push_back(row["c"].get<long long>());
      if (row["e"].is_string()) emails.push_back(row["e"].get<std::string>());
    }
    const bool more = page->value("hasMore", false) && last > after;
    pqxx::work tx(connection);
    store::lock_people(tx, emails, ids);  // take turns with ingest on these people
    // Systeme.io's own data replaces whatever the mirror holds, whatever its snapshot time.
    tx.exec_params(
        "INSERT INTO systeme_contacts AS m (contact_id, email, tags, fields, snapshot_at, synced_at) "
        "SELECT r.c, r.e, r.tg, r.f, to_timestamp(r.at / 1000.0), $2::timestamptz "
        "FROM jsonb_to_recordset($1::jsonb) AS r(c bigint, e text, tg jsonb, f jsonb, at bigint) "
        "ON CONFLICT (contact_id) DO UPDATE SET email = coalesce(EXCLUDED.email, m.email), tags = EXCLUDED.tags, "
        "fields = EXCLUDED.fields, snapshot_at = EXCLUDED.snapshot_at, synced_at = EXCLUDED.synced_at, "
        "updated_at = now()",
        rows.dump(), started ? started->c_str() : nullptr);
    ++progress.pages;
    progress.contacts += static_cast<long long>(rows.size());
    if (more) {
      tx.exec_params("UPDATE reconcile_state SET sync_cursor = $1, sync_pages = $2", std::to_string(last), progress.pages);
    } else {
      if (started) {
        progress.removed = tx.exec_params(
            "DELETE FROM systeme_contacts WHERE (synced_at IS NULL OR synced_at < $1::timestamptz) "
            "AND updated_at < $1::timestamptz", *started).affected_rows();
      }
      tx.exec_params("UPDATE reconcile_state SET sync_cursor = NULL, sync_pages = 0, last_sync_at = now(), "
                     "sync_started_at = NULL");
    }
    tx.commit();
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

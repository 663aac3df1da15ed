// IngestStore against a real PostgreSQL: every delivery stored once with its effects, duplicates
// changing nothing, the rule-webhook dedup window, tag order across batches, isolation between
// tenants, and two writers racing on the same deliveries.
#define BOOST_TEST_MODULE ingest_store
#include <boost/test/unit_test.hpp>

#include <thread>

#include "store/ingest_store.h"
#include "store/retention.h"
#include "store/tenants.h"
#include "tests/support/deliveries.h"
#include "tests/support/test_database.h"

using namespace cf;
using namespace cf::testing;
using ingest::Outcome;
using ingest::RouteStatus;

namespace {

struct Ingest {
  TestDatabase db;
  std::unique_ptr<pqxx::connection> c;
  store::NewTenant a, b;

  Ingest() {
    db.migrate();
    c = db.connect();
    store::TenantStore tenants(*c);
    a = *tenants.add(*store::TenantDraft::make("A", "a@example.com", "ib-aaa111-"));
    b = *tenants.add(*store::TenantDraft::make("B", "b@example.com", "ib-bbb222-"));
  }

  std::vector<ingest::DeliveryResult> write(const std::vector<ingest::Delivery>& deliveries) {
    std::vector<const ingest::Delivery*> batch;
    for (const auto& d : deliveries) batch.push_back(&d);
    return store::IngestStore(*c).write(batch);
  }

  int count(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    return tx.exec1(sql)[0].as<int>();
  }
  std::string text(const std::string& sql) {
    pqxx::read_transaction tx(*c);
    const auto field = tx.exec1(sql)[0];
    return field.is_null() ? "NULL" : field.as<std::string>();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(tag_event_stored_once_with_its_effects, Ingest) {
  const auto body = tag_body(7, "Lead@Example.com", "ib-aaa111-demo-request");
  const auto d = account_delivery("CONTACT_TAG_ADDED", body, "m1", "2026-09-27T20:16:27+00:00");
  auto first = write({d, d});  // the same message twice in one batch
  BOOST_TEST((first[0].outcome == Outcome::stored));
  BOOST_TEST((first[0].status == RouteStatus::routed));
  BOOST_TEST(first[0].tenant_id == a.tenant.id);
  BOOST_TEST((first[1].outcome == Outcome::duplicate));
  auto again = write({d});  // and again later
  BOOST_TEST((again[0].outcome == Outcome::duplicate));

  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 1);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 1);
  BOOST_TEST(text("SELECT email || ' ' || systeme_contact_id || ' ' || array_to_string(tags, ',') FROM leads") ==
             "lead@example.com 7 ib-aaa111-demo-request");
  BOOST_TEST(text("SELECT convert_from(body, 'UTF8') FROM webhook_events") == body);
  BOOST_TEST(text("SELECT event_at = '2026-09-27T20:16:27Z' FROM webhook_events") == "t");
  BOOST_TEST(text("SELECT tags::text FROM systeme_contacts WHERE contact_id = 7") == "[\"ib-aaa111-demo-request\"]");
}

BOOST_FIXTURE_TEST_CASE(no_message_id_dedups_on_type_and_body, Ingest) {
  const auto body = tag_body(7, "x@example.com", "ib-aaa111-vip");
  write({account_delivery("CONTACT_TAG_ADDED", body, "")});
  auto second = write({account_delivery("CONTACT_TAG_ADDED", body, "")});
  BOOST_TEST((second[0].outcome == Outcome::duplicate));
  auto other_type = write({account_delivery("CONTACT_TAG_REMOVED", body, "")});
  BOOST_TEST((other_type[0].outcome == Outcome::stored));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 2);
}

BOOST_FIXTURE_TEST_CASE(tag_state_follows_event_time_across_batches, Ingest) {
  const std::string tag = "ib-aaa111-vip";
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(7, "x@example.com", tag), "m1", "2026-09-27T20:00:00+00:00")});
  write({account_delivery("CONTACT_TAG_REMOVED", tag_body(7, "x@example.com", tag), "m2", "2026-09-27T20:00:10+00:00")});
  auto late = write({account_delivery("CONTACT_TAG_ADDED", tag_body(7, "x@example.com", tag), "m3", "2026-09-27T20:00:05+00:00")});
  BOOST_TEST((late[0].status == RouteStatus::routed));
  BOOST_TEST(text("SELECT array_length(tags, 1) FROM leads") == "NULL");
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 3);
}

BOOST_FIXTURE_TEST_CASE(isolation_between_tenants, Ingest) {
  // B owns the contact; A's tag on it is foreign and creates nothing.
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(7, "x@example.com", "ib-bbb222-demo-request"), "m1")});
  auto foreign = write({account_delivery("CONTACT_TAG_ADDED", tag_body(7, "x@example.com", "ib-aaa111-demo-request"), "m2")});
  BOOST_TEST((foreign[0].status == RouteStatus::foreign_prefix));
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(text("SELECT array_to_string(tags, ',') FROM leads") == "ib-bbb222-demo-request");
  BOOST_TEST(text("SELECT status || ' ' || coalesce(routed_tenant_id::text, '-') FROM webhook_events WHERE dedup_key = 'msg:m2'") ==
             "foreign_prefix -");
  // A's rule URL cannot touch B's lead either, nor learn that B has the person: no_lead, as for
  // anyone A has no lead for, and nothing written to the mirror.
  const std::string mirror = text("SELECT tags::text || (extract(epoch FROM snapshot_at) * 1000)::bigint FROM systeme_contacts");
  auto rule = write({rule_delivery(*a.keys.rule_token, "email-opened", rule_body(7, "x@example.com"))});
  BOOST_TEST((rule[0].status == RouteStatus::no_lead));
  BOOST_TEST(count("SELECT count(*) FROM leads WHERE open_count > 0") == 0);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
  BOOST_TEST(text("SELECT tags::text || (extract(epoch FROM snapshot_at) * 1000)::bigint FROM systeme_contacts") == mirror);
}

BOOST_FIXTURE_TEST_CASE(a_rule_webhook_waits_for_the_lead_its_tenant_gets, Ingest) {
  // In one batch: A's workflow calls its rule URL, then Systeme.io's signed tag makes the lead.
  auto same = write({rule_delivery(*a.keys.rule_token, "email-opened", rule_body(7, "w@example.com")),
                     account_delivery("CONTACT_TAG_ADDED", tag_body(7, "w@example.com", "ib-aaa111-x"), "m1")});
  BOOST_TEST((same[0].status == RouteStatus::routed));
  BOOST_TEST((same[1].status == RouteStatus::routed));
  BOOST_TEST(text("SELECT open_count FROM leads WHERE email = 'w@example.com'") == "1");

  // In two batches: the rule call is kept as no_lead, then routed by the batch making the lead;
  // B's call about the same person stays B's.
  BOOST_TEST((write({rule_delivery(*a.keys.rule_token, "link-clicked", rule_body(8, "v@example.com")),
                     rule_delivery(*b.keys.rule_token, "link-clicked", rule_body(8, "v@example.com"))})[0]
                  .status == RouteStatus::no_lead));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'no_lead' AND routed_tenant_id IS NULL") == 2);
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(8, "v@example.com", "ib-aaa111-x"), "m2")});
  BOOST_TEST(text("SELECT string_agg(w.status || ':' || coalesce((w.lead_id = l.id)::text, '-'), ',' ORDER BY w.id) "
                  "FROM webhook_events w LEFT JOIN leads l ON l.email = 'v@example.com' "
                  "WHERE w.source = 'rule' AND w.email = 'v@example.com'") == "routed:true,no_lead:-");
  BOOST_TEST(text("SELECT string_agg(e.kind, ',' ORDER BY e.id) FROM lead_events e JOIN leads l ON l.id = e.lead_id "
                  "WHERE l.email = 'v@example.com'") == "tag_added,link-clicked");
  BOOST_TEST(count("SELECT count(*) FROM leads") == 2);
}

BOOST_FIXTURE_TEST_CASE(the_tenant_role_may_route_waiting_deliveries_only_to_its_own_leads, Ingest) {
  // B has a lead with a rule webhook waiting for it.
  write({rule_delivery(*b.keys.rule_token, "email-opened", rule_body(9, "z@example.com"))});
  {
    pqxx::work tx(*c);
    tx.exec_params("INSERT INTO leads (tenant_id, id, email) VALUES ($1::uuid, '00000000-0000-4000-8000-00000000000b', 'z@example.com')",
                   b.tenant.id);
    tx.commit();
  }
  const auto as_tenant_role = [&](const std::string& bound_to) {
    pqxx::work tx(*c);
    tx.exec0("SET LOCAL ROLE clientflow_tenant");
    if (!bound_to.empty()) tx.exec_params("SELECT set_config('app.tenant_id', $1, true)", bound_to);
    tx.exec_params("SELECT clientflow_route_waiting_rule_deliveries($1::uuid, '00000000-0000-4000-8000-00000000000b')", b.tenant.id);
    tx.commit();
  };
  // Bound to A, or bound to no tenant at all: refused, nothing routed.
  for (const std::string& bound_to : {a.tenant.id, std::string()}) {
    BOOST_CHECK_THROW(as_tenant_role(bound_to), pqxx::sql_error);
    BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'no_lead'") == 1);
  }
  // Bound to B itself: routed.
  as_tenant_role(b.tenant.id);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'routed' AND lead_id = '00000000-0000-4000-8000-00000000000b'") == 1);
}

BOOST_FIXTURE_TEST_CASE(an_email_too_long_for_an_index_cannot_fail_the_batch, Ingest) {
  // A's rule URL with an email of 6,000 random characters: kept as no_lead, it would go into an
  // index whose rows PostgreSQL limits to about 2.7 kB, failing the whole batch (others' signed
  // deliveries included) with it. It is malformed instead, and the batch commits.
  std::string local;
  std::uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 6000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    local += "abcdefghijklmnopqrstuvwxyz0123456789"[x % 36];
  }
  auto results = write({rule_delivery(*a.keys.rule_token, "email-opened", rule_body(987654321, local + "@x.io")),
                        account_delivery("CONTACT_TAG_ADDED", tag_body(7, "b@example.com", "ib-bbb222-demo-request"), "m1"),
                        account_delivery("CONTACT_CREATED", contact_body(8, local + "@y.io", {"ib-bbb222-x"}), "m2")});
  BOOST_TEST((results[0].status == RouteStatus::malformed));
  BOOST_TEST((results[1].status == RouteStatus::routed));
  BOOST_TEST((results[2].status == RouteStatus::malformed));
  BOOST_TEST(text("SELECT string_agg(status || ':' || coalesce(detail, ''), ',' ORDER BY id) FROM webhook_events WHERE status <> 'routed'") ==
             "malformed:contact email longer than 254 bytes,malformed:contact email longer than 254 bytes");
}

BOOST_FIXTURE_TEST_CASE(every_unrouted_status_is_stored, Ingest) {
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(1, "p@example.com", "ib-aaa111-x"), "own-a"),
         account_delivery("CONTACT_TAG_ADDED", tag_body(1, "p@example.com", "ib-bbb222-x"), "foreign"),
         account_delivery("CONTACT_TAG_ADDED", tag_body(2, "q@example.com", "ib-zzz999-x"), "unknown"),
         account_delivery("CONTACT_TAG_ADDED", tag_body(3, "r@example.com", "newsletter"), "none"),
         account_delivery("CONTACT_CREATED", contact_body(4, "s@example.com", {"ib-aaa111-a", "ib-bbb222-b"}), "ambiguous"),
         account_delivery("CONTACT_DELETED", contact_body(5, "t@example.com", {}), "unsupported"),
         account_delivery("", contact_body(5, "t@example.com", {}), "no-type"),
         account_delivery("CONTACT_CREATED", "{not json", "malformed")});
  BOOST_TEST(text("SELECT string_agg(dedup_key || '=' || status, ' ' ORDER BY id) FROM webhook_events") ==
             "msg:own-a=routed msg:foreign=foreign_prefix msg:unknown=unknown_prefix msg:none=no_prefix "
             "msg:ambiguous=ambiguous msg:unsupported=unsupported msg:no-type=unsupported msg:malformed=malformed");
  BOOST_TEST(count("SELECT count(*) FROM leads") == 1);
}

BOOST_FIXTURE_TEST_CASE(rule_webhooks_dedup_within_ten_minutes, Ingest) {
  // (A rule webhook only adds to a lead its tenant has: Systeme.io's signed event makes it.)
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(7, "x@example.com", "ib-aaa111-demo-request"), "lead")});
  const auto body = rule_body(7, "x@example.com");
  auto first = write({rule_delivery(*a.keys.rule_token, "email-opened", body),
                      rule_delivery(*a.keys.rule_token, "email-opened", body)});
  BOOST_TEST((first[0].outcome == Outcome::stored));
  BOOST_TEST((first[1].outcome == Outcome::duplicate));
  auto other_kind = write({rule_delivery(*a.keys.rule_token, "link-clicked", body)});
  BOOST_TEST((other_kind[0].outcome == Outcome::stored));
  auto soon = write({rule_delivery(*a.keys.rule_token, "email-opened", body)});
  BOOST_TEST((soon[0].outcome == Outcome::duplicate));
  {
    pqxx::work tx(*c);
    tx.exec0("UPDATE rule_deliveries_seen SET seen_at = now() - interval '11 minutes'");
    tx.commit();
  }
  auto later = write({rule_delivery(*a.keys.rule_token, "email-opened", body)});
  BOOST_TEST((later[0].outcome == Outcome::stored));
  BOOST_TEST(text("SELECT open_count FROM leads") == "2");
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE source = 'rule'") == 3);
}

BOOST_FIXTURE_TEST_CASE(unknown_rule_token_stores_nothing, Ingest) {
  auto result = write({rule_delivery(std::string(40, 'z'), "email-opened", rule_body(7, "x@example.com"))});
  BOOST_TEST((result[0].outcome == Outcome::unauthorized));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 0);
  BOOST_TEST(count("SELECT count(*) FROM rule_deliveries_seen") == 0);
}

BOOST_FIXTURE_TEST_CASE(two_writers_racing_store_each_delivery_once, Ingest) {
  // 400 deliveries about 50 contacts, sent in full by two writers at once.
  std::vector<ingest::Delivery> deliveries;
  for (int i = 0; i < 400; ++i) {
    const int contact = i % 50;
    deliveries.push_back(account_delivery(
        "CONTACT_TAG_ADDED",
        tag_body(1000 + contact, "c" + std::to_string(contact) + "@example.com", "ib-aaa111-t" + std::to_string(i % 7)),
        "race-" + std::to_string(i)));
  }
  std::vector<std::vector<ingest::DeliveryResult>> results(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      try {
        auto connection = db.connect();
        for (std::size_t start = 0; start < deliveries.size(); start += 40) {
          std::vector<const ingest::Delivery*> batch;
          // The second writer walks the batch backwards, to cross the first one.
          for (std::size_t i = start; i < start + 40; ++i) batch.push_back(&deliveries[w == 0 ? i : deliveries.size() - 1 - i]);
          for (auto& r : store::IngestStore(*connection).write(batch)) results[w].push_back(r);
        }
      } catch (const std::exception& e) {
        errors[w] = e.what();
      }
    });
  }
  for (auto& t : writers) t.join();
  BOOST_TEST(errors[0] == "");
  BOOST_TEST(errors[1] == "");
  int stored = 0, duplicates = 0;
  for (const auto& per_writer : results) {
    for (const auto& r : per_writer) (r.outcome == Outcome::stored ? stored : duplicates)++;
  }
  BOOST_TEST(stored == 400);
  BOOST_TEST(duplicates == 400);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 400);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 50);
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 400);
  BOOST_TEST(count("SELECT count(DISTINCT tag) FROM lead_events") == 7);
}

// What the parser lets through should always be storable; when something is not, the delivery is
// still kept (as malformed, without effects) rather than refused for ever.
BOOST_FIXTURE_TEST_CASE(a_delivery_the_database_refuses_is_kept_as_malformed, Ingest) {
  auto d = account_delivery("CONTACT_TAG_ADDED", tag_body(7, "lead@example.com", "ib-aaa111-demo"), "poison");
  d.parsed.event.contact.email = "le\xff" "ad@example.com";  // as if the parser had let it through
  d.event_type = "CONTACT_TAG_\xff";
  BOOST_CHECK_THROW(write({d}), std::exception);  // the JSON of its lock keys, or PostgreSQL
  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 0);

  const auto kept = store::IngestStore(*c).keep_refused(d, "invalid byte sequence: 0xff\n");
  BOOST_TEST((kept.outcome == Outcome::stored));
  BOOST_TEST((kept.status == RouteStatus::malformed));
  BOOST_TEST(text("SELECT status || ' ' || coalesce(email, 'NULL') || ' ' || left(event_type, 11) || ' ' || detail "
                  "FROM webhook_events WHERE dedup_key = 'msg:poison'") ==
             "malformed NULL unreadable: could not be applied: invalid byte sequence: 0xff");
  BOOST_TEST(text("SELECT convert_from(body, 'UTF8') FROM webhook_events") == d.body);
  BOOST_TEST(count("SELECT count(*) FROM leads") == 0);
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 0);
  // The sender's retry takes the same way (refused, then kept) and is a duplicate, not a second row.
  BOOST_CHECK_THROW(write({d}), std::exception);
  BOOST_TEST((store::IngestStore(*c).keep_refused(d, "again").outcome == Outcome::duplicate));
  BOOST_TEST(count("SELECT count(*) FROM webhook_events") == 1);
}

BOOST_FIXTURE_TEST_CASE(replay_routes_what_a_new_tenant_now_owns, Ingest) {
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(9, "late@example.com", "ib-ccc333-demo-request"), "m1",
                          "2026-09-27T20:00:00+00:00"),
         account_delivery("CONTACT_TAG_ADDED", tag_body(9, "late@example.com", "newsletter"), "m2")});
  BOOST_TEST(text("SELECT status FROM webhook_events WHERE dedup_key = 'msg:m1'") == "unknown_prefix");

  store::IngestStore ingest(*c);
  auto nothing_yet = ingest.replay("", 0, 100);
  BOOST_TEST(nothing_yet.examined == 2);
  BOOST_TEST(nothing_yet.changes.empty());

  store::TenantStore tenants(*c);
  const auto late = *tenants.add(*store::TenantDraft::make("C", "c@example.com", "ib-ccc333-"));
  auto page = ingest.replay("unknown_prefix", 0, 100);
  BOOST_TEST(page.examined == 1);
  BOOST_REQUIRE(page.changes.size() == 1u);
  BOOST_TEST(page.changes[0].from == "unknown_prefix");
  BOOST_TEST(page.changes[0].to == "routed");
  BOOST_TEST(page.changes[0].tenant_id == late.tenant.id);
  BOOST_TEST(ingest.replay("", page.last_id, 100).examined == 1);  // only m2 is after it

  BOOST_TEST(text("SELECT status || ' ' || routed_tenant_id || ' ' || (replayed_at IS NOT NULL) FROM webhook_events "
                  "WHERE dedup_key = 'msg:m1'") == "routed " + late.tenant.id + " true");
  BOOST_TEST(text("SELECT array_to_string(tags, ',') FROM leads WHERE tenant_id = '" + late.tenant.id + "'") ==
             "ib-ccc333-demo-request");
  BOOST_TEST(count("SELECT count(*) FROM lead_events e JOIN webhook_events w ON w.id = e.webhook_event_id "
                   "WHERE w.dedup_key = 'msg:m1'") == 1);
  // Replaying again changes nothing: it is routed now.
  BOOST_TEST(ingest.replay("", 0, 100).changes.empty());
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 1);
}

BOOST_FIXTURE_TEST_CASE(retention_drops_old_bodies_and_keeps_what_they_routed, Ingest) {
  std::vector<ingest::Delivery> deliveries;
  for (int i = 0; i < 12; ++i) {
    deliveries.push_back(account_delivery("CONTACT_TAG_ADDED", tag_body(i, "r" + std::to_string(i) + "@example.com", "ib-aaa111-x"),
                                          "ret-" + std::to_string(i)));
  }
  write(deliveries);
  write({rule_delivery(*a.keys.rule_token, "email-opened", rule_body(1, "r1@example.com"))});
  {
    pqxx::work tx(*c);
    tx.exec0("UPDATE webhook_events SET received_at = now() - interval '31 days' WHERE dedup_key IN ('msg:ret-0', 'msg:ret-1', 'msg:ret-2')");
    tx.exec0("UPDATE rule_deliveries_seen SET seen_at = now() - interval '2 hours'");
    tx.commit();
  }
  const auto report = store::prune(*c, 30);
  BOOST_TEST(report.bodies_dropped == 3);
  BOOST_TEST(report.fingerprints_deleted == 1);
  BOOST_TEST(!report.skipped);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE body IS NULL") == 3);
  BOOST_TEST(count("SELECT count(*) FROM webhook_events WHERE status = 'routed'") == 13);
  BOOST_TEST(count("SELECT count(*) FROM lead_events") == 13);
  BOOST_TEST(store::prune(*c, 30).bodies_dropped == 0);
}

// Ingest sessions plan each statement once, possibly while the tables are still empty: every plan
// must still reach rows through an index, as the tables will hold millions of them.
BOOST_FIXTURE_TEST_CASE(plans_made_on_empty_tables_use_indexes, Ingest) {
  store::IngestStore::configure_session(*c);
  write({account_delivery("CONTACT_TAG_ADDED", tag_body(7, "lead@example.com", "ib-aaa111-demo"), "m1",
                          "2026-09-27T20:16:27+00:00"),
         account_delivery("CONTACT_OPT_IN", contact_body(8, "other@example.com", {}), "m2")});
  pqxx::nontransaction tx(*c);
  int explained = 0;
  for (const auto& row : tx.exec("SELECT name, cardinality(parameter_types) FROM pg_prepared_statements "
                                 "WHERE name LIKE 'ingest_%' ORDER BY name")) {
    std::string args;
    for (int i = 0; i < row[1].as<int>(); ++i) args += std::string(i ? ", " : "") + "'[]'";
    std::string plan;
    for (const auto& line : tx.exec("EXPLAIN EXECUTE " + row[0].as<std::string>() + "(" + args + ")")) {
      plan += line[0].as<std::string>() + "\n";
    }
    BOOST_TEST(plan.find("Seq Scan") == std::string::npos, row[0].as<std::string>() << ":\n" << plan);
    ++explained;
  }
  BOOST_TEST(explained == 5);  // lock, read, rule fingerprint claim, write, route waiting rule webhooks
}

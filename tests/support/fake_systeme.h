// FakeSysteme: the one fake the tests allow, a loopback HTTP server speaking the Systeme.io public
// API as shared/systeme-io.md documents it (contacts, tags, contact fields; a contact by id, its
// tags removed, the contact deleted; 401 for a wrong key,
// 422 "already used", merge-patch; contacts and tag searches paged by cursor) with faults a test
// can inject: the next N calls answered 500 or 429 with Retry-After, left hanging, or answered
// with a body the test gives. It counts what it was asked, so tests can check that
// nothing happened twice. Its state is safe to read from the test's thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace Pistache::Http {
class Endpoint;
}
namespace Pistache::Rest {
class Router;
}

namespace cf::testing {

struct FakeContact {
  long long id = 0;
  std::string email;
  std::map<std::string, std::string> fields;
  std::set<long long> tag_ids;
};

class FakeSysteme {
 public:
  explicit FakeSysteme(std::string api_key);
  ~FakeSysteme();

  std::string api_base() const;  // http://127.0.0.1:<port>/api

  // Faults for the next `count` calls of any endpoint.
  void fail_next(int count, int status, int retry_after_seconds = 0);
  // Lets the next `count` calls through untouched: faults queued after it hit the calls after those.
  void pass_next(int count);

  // A contact as if created in Systeme.io by someone else (a funnel, an import), with its tags.
  long long add_contact(const std::string& email, const std::map<std::string, std::string>& fields,
                        const std::vector<std::string>& tag_names);
  void hang_next(int count, int seconds);
  // The next call of `what` (as calls() names it, e.g. "POST /contacts/tags") is served only after
  // `seconds`: a slow step in the middle of a sync, whatever calls come before it.
  void slow_next(const std::string& what, int seconds);
  // The next `count` calls answered 200 with {"items": [[[...]]]}, arrays nested `depth` levels.
  void answer_deep_next(int count, int depth);
  // The next call answered `status` with `body` as it is (for answers of an unexpected shape).
  void answer_next(int status, const std::string& body);
  // A tag as if made in Systeme.io by someone else; its id (ids grow in the order things are made).
  long long add_tag(const std::string& name);
  // From now on GET /contacts?email= answers every contact whose email holds the one asked for,
  // ignoring case (near matches included, in the order they were made), as a search would.
  void match_emails_loosely();

  // What the fake holds and was asked.
  std::vector<FakeContact> contacts() const;
  std::string tag_name(long long id) const;
  int contacts_created() const;
  // The emails of the contacts created through the API, in the order they were created.
  std::vector<std::string> created_emails() const;
  // How many assign-tag calls hit a (contact, tag) pair that already had it.
  int repeated_assignments() const;
  int calls(const std::string& what) const;  // e.g. "POST /contacts"

 private:
  struct Fault {
    int status = 0;
    int retry_after = 0;
    int hang_seconds = 0;
    int depth = 0;  // > 0: a 200 nested this deep
    std::string body;  // not empty: answered as it is, with `status`
  };
  void routes(Pistache::Rest::Router& router);
  bool take_fault(Fault& fault);

  std::string api_key_;
  mutable std::mutex mutex_;
  std::vector<Fault> faults_;
  std::map<long long, FakeContact> contacts_;
  std::map<long long, std::string> tags_;
  std::set<std::string> field_slugs_{"first_name", "surname"};
  std::map<std::string, int> calls_;
  std::map<std::string, int> slow_;  // slow_next: the endpoint and its delay in seconds
  long long next_id_ = 1000;
  int contacts_created_ = 0;
  std::vector<std::string> created_emails_;
  int repeated_assignments_ = 0;
  bool loose_email_match_ = false;
  std::unique_ptr<Pistache::Rest::Router> router_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace cf::testing

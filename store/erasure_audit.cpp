#include "store/erasure_audit.h"

#include "store/queries.h"
#include "store/statements.h"

namespace cf::store {

const std::vector<std::string>& erasure_scopes() {
  static const std::vector<std::string> scopes{"tenant", "global"};
  return scopes;
}

ErasurePage page_erasures(pqxx::transaction_base& tx, const ErasureFilter& filter, int limit,
                          std::optional<long long> after) {
  ErasurePage page;
  // One row more than asked tells whether a page follows.
  for (const auto& row : exec_statement(tx, sql::erasures_list, filter.scope, filter.tenant_id, after, limit + 1)) {
    if (static_cast<int>(page.items.size()) == limit) {
      page.next_after = page.items.back().id;
      break;
    }
    page.items.push_back({row[0].as<long long>(), row[1].as<std::string>(), row[2].as<std::string>(),
                          row[3].as<std::string>(), row[5].as<std::string>(), nlohmann::json::parse(row[4].c_str())});
  }
  return page;
}

}  // namespace cf::store

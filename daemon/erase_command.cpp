// `clientflow-relay erase`: an admin erases a person everywhere (store::erase_person) and reads
// what was erased, counted; the email never reaches the output, a log or the audit entry.
#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include "common/email.h"
#include "config/config.h"
#include "daemon/commands.h"
#include "store/database.h"
#include "store/erasure.h"

namespace cf::daemon {

namespace {

// Who runs the command, for the audit entry: `by` when given, else the system user.
std::string operator_name(const std::string& by) {
  if (!by.empty()) return by;
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return std::string("cli:") + user;
  return "cli:uid " + std::to_string(getuid());
}

// The counts, one line each, in the order an admin reads them.
void print_counts(const nlohmann::json& counts, std::ostream& out) {
  static const std::pair<const char*, const char*> lines[] = {
      {"leads", "leads"},
      {"tenants", "tenants that held the person"},
      {"timeline_entries", "timeline entries"},
      {"outbox_jobs", "outbox jobs"},
      {"mirror_rows", "mirrored contacts"},
      {"deliveries_scrubbed", "stored deliveries scrubbed"},
      {"outbox_errors_cleared", "outbox and sync errors cleared"},
      {"findings", "findings"},
      {"assignments", "assignments"},
      {"contact_deletions_queued", "Systeme.io contact deletions queued"},
      {"contact_erasures_queued", "Systeme.io contact erasures queued"},
  };
  for (const auto& [key, label] : lines) out << "  " << label << ": " << counts.value(key, 0LL) << '\n';
}

}  // namespace

int erase(const std::string& config_path, const std::string& email, bool systeme_contact, const std::string& by,
          std::ostream& out) {
  auto normalised = Email::parse(email);
  if (!normalised) return report_error(invalid_input("--email: " + normalised.error().message));
  auto config = load_config(config_path);
  if (!config) return report_error(config.error());
  if (config->privacy.erasure_key.empty()) {
    return report_error(invalid_input("erase needs privacy.erasure_key (the key of erasure marks)"));
  }
  if (systeme_contact && config->systeme.api_key.empty()) {
    return report_error(invalid_input("--systeme-contact deletes through the Systeme.io API: set systeme.api_key"));
  }
  auto connection = store::connect(config->database.url);
  if (!connection) return report_error(connection.error());
  try {
    const auto erased =
        store::erase_person(**connection, config->privacy.erasure_key, normalised->str(), operator_name(by), systeme_contact);
    out << "erased (audit entry " << erased.audit_id << "):\n";
    print_counts(erased.counts, out);
    if (systeme_contact && erased.counts.value("contact_deletions_queued", 0LL) == 0) {
      out << "no Systeme.io contact was deleted: none is known for the person\n";
    }
    return kExitOk;
  } catch (const std::exception& e) {
    return report_error(store::database_error(e, "erase"));
  }
}

}  // namespace cf::daemon

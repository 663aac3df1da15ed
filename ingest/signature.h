// Verifying Systeme.io account-webhook signatures: X-Webhook-Signature is the hex HMAC-SHA256 of
// the raw body under the webhook's secret, with no prefix or timestamp. Pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "config/secret.h"

namespace cf::ingest {

// True when `header` (hex, either case, surrounding spaces ignored) is the HMAC-SHA256 of `body`
// under any of `secrets` (several during a rotation). Compares in constant time and tries every
// secret, so timing reveals neither how much matched nor which secret did.
bool signature_matches(std::string_view header, std::string_view body, const std::vector<Secret>& secrets);

}  // namespace cf::ingest

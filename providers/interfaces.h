// The two services the rain-check handler needs: city name -> place, place -> observation.
//
// Errors (Status codes) and the HTTP status the handler answers with:
//   InvalidArgument   the query is unusable (empty, too long, control characters)   400
//   NotFound          no such place; the message may carry "did you mean" names     404
//   Unavailable       upstream error or malformed upstream body                     502
//   ResourceExhausted upstream rate limit (429)                                     503
//   DeadlineExceeded  no answer before ctx.deadline                                 504
//   PermissionDenied  the upstream refused our key                                  502
// Messages never contain keys or the query's full upstream URL.
//
// Every call is given a base::CallContext (base/deadline.h): the request id its log lines carry
// and the deadline it answers by. The handler passes its lambda::InvocationContext, which is
// one; providers/ itself knows nothing of Lambda.
#ifndef RAINCHECK_PROVIDERS_INTERFACES_H_
#define RAINCHECK_PROVIDERS_INTERFACES_H_

#include <string_view>
#include <vector>

#include "base/deadline.h"
#include "base/status.h"
#include "providers/types.h"

namespace raincheck::providers {

// Implementations are thread-safe and never block past ctx.deadline.
class Geocoder {
 public:
  virtual ~Geocoder() = default;
  // The best match for `query` ("Paris", "Paris, FR", "Portland, Oregon").
  virtual Result<Place> Geocode(std::string_view query, const base::CallContext& ctx) = 0;
  // After Geocode(query) was NotFound: the places the person may have meant, best first (up
  // to five; none when the geocoder has no such list).
  virtual std::vector<Place> Suggest(std::string_view /*query*/, const base::CallContext& /*ctx*/) {
    return {};
  }
};

// Implementations are thread-safe and never block past ctx.deadline.
class WeatherSource {
 public:
  virtual ~WeatherSource() = default;
  // Current conditions and today's aggregates at `place`.
  virtual Result<Observation> Current(const Place& place, const base::CallContext& ctx) = 0;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_INTERFACES_H_

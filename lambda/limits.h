// AWS Lambda's payload limits, which the emulators enforce and the function checks itself where
// a local tool would not (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
#ifndef RAINCHECK_LAMBDA_LIMITS_H_
#define RAINCHECK_LAMBDA_LIMITS_H_

#include <cstddef>

namespace raincheck::lambda {

inline constexpr size_t kMaxSyncRequestBytes = 6291456;       // RequestResponse payload (6 MB)
inline constexpr size_t kMaxAsyncRequestBytes = 262144;       // Event payload (256 KB)
inline constexpr size_t kMaxFunctionResponseBytes = 6291556;  // the response, as the RIE counts it

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_LIMITS_H_

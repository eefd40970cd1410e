// The source of the precompiled-header targets (cmake/RaincheckTargets.cmake): empty, the
// header is the point.

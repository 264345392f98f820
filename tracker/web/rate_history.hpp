// The last hour of tracker rates for the web page's charts: one RateSample per
// 5 s rate sample (720 samples are one hour), in web/'s SampleRing. Nothing
// survives a restart.
//
// Thread-safety: add() from the control loop, samples() from any HTTP worker.
#pragma once

#include "tracker/web/snapshot.hpp"
#include "web/sample_ring.hpp"

namespace aciswarm::tracker::web {

using RateHistory = aciswarm::web::SampleRing<RateSample>;

}  // namespace aciswarm::tracker::web

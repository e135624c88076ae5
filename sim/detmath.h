// Portable elementary functions for everything that reaches a result.
//
// The C library's log and exp may differ in the last bit between libm versions
// and platforms, and compilers may constant-fold them with a different library
// than the one used at run time. dsim's results must be byte-identical for the
// same seed everywhere, so random variates and analytic figures use these
// functions instead: they follow the fdlibm algorithms (< 1 ulp error) with plain
// IEEE double arithmetic, and the build uses -ffp-contract=off so no compiler
// fuses their multiply-adds. sqrt is exact in IEEE 754, so std::sqrt is fine.
#pragma once

namespace dsim::detmath {

double log(double x);               // natural logarithm
double exp(double x);               // e^x
double pow(double x, double y);     // x^y for x > 0, via exp(y log x)
double log1p(double x);             // log(1 + x), accurate near 0
double lgamma(double x);            // log Γ(x) for x > 0
double tgamma(double x);            // Γ(x) for 0 < x < 171
// cos(2π t): the cosine of t full turns (a periodic curve's phase, such as a
// daily load curve's). The reduction to a turn is exact; within 5e-16 of the
// true value (the rounding of 2π times the remainder). REQUIRES: t finite.
double cos_turns(double t);

}  // namespace dsim::detmath

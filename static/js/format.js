// The one money and token formatter of the browser, the twin of formatting/ in Python.
// Amounts follow the money spec that formatting.money_spec() puts into each chart's JSON
// (currency, locale, minor units, the locale's affixes), so a tooltip reads exactly as the
// table beside it. Numbers go to Intl as their shortest decimal string, which it rounds
// half away from zero: the same as Python's Decimal(str(x)) rounded ROUND_HALF_UP.
(function (global) {
  "use strict";

  const MISSING = "\u2014";
  const USD = {
    currency: "USD", locale: "en-US", digits: 2, rate_digits: 4,
    prefix: "$", suffix: "", negative_prefix: "-$", negative_suffix: "",
  };

  function finite(value) {
    return typeof value === "number" && Number.isFinite(value);
  }

  function formatter(spec) {
    const s = spec || USD;
    const number = (min, max) =>
      new Intl.NumberFormat(s.locale, { minimumFractionDigits: min, maximumFractionDigits: max });
    const exact = number(s.digits, s.digits);
    const rate = number(s.digits, s.rate_digits);
    const whole = number(0, 0);
    function render(format, value) {
      if (!finite(value)) return MISSING;
      const text = format.format(String(Math.abs(value)));
      // Negative only if it still is once rounded: never "-$0.00".
      const negative = value < 0 && /[1-9]/.test(text);
      return negative ? s.negative_prefix + text + s.negative_suffix : s.prefix + text + s.suffix;
    }
    return {
      spec: s,
      // "$1,440.00", "-¥4,980", "KWD1.250": what format_money() writes.
      money: (value) => render(exact, value),
      // "$0.065", "$2.50": what format_rate() writes (unit prices).
      rate: (value) => render(rate, value),
      // Axis ticks: whole units, cents only below 10.
      tick: (value) => (finite(value) && Math.abs(value) < 10 ? render(rate, value) : render(whole, value)),
    };
  }

  const significant = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4, useGrouping: false });
  const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
  const SCALES = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];

  // "1.5B", "651.6M", "50M": what formatting.format_tokens() writes.
  function tokens(value) {
    if (!finite(value)) return MISSING;
    if (value === 0) return "0";
    const sign = value < 0 ? "-" : "";
    const rounded = significant.format(String(Math.abs(value)));
    const number = Number(rounded);
    for (const [scale, suffix] of SCALES) {
      if (number >= scale) return sign + grouped.format(number / scale) + suffix;
    }
    return sign + rounded;
  }

  global.BreakevenFormat = { formatter, tokens, MISSING };
})(typeof window !== "undefined" ? window : globalThis);

import currencyCodes from 'currency-codes';

/**
 * Whether `code` is an ISO 4217 currency an order can be priced in: listed by ISO (the
 * `currency-codes` package carries ISO's published list) and not one of the special codes for
 * metals, funds, testing or "no currency" (XAU, XDR, XTS, XXX …), which ISO files under no country.
 */
export function isOrderCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  const entry = currencyCodes.code(code);
  return entry !== undefined && entry.countries.some((country) => !/^Zz\d/.test(country));
}

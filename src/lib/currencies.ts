/**
 * The currency codes of ISO 4217 (its list one, as its maintenance agency publishes it): the codes in
 * use, funds, precious metals and the codes for testing and for no currency included. A fixed list,
 * not the runtime's: Node's ICU data knows a different set from one release to the next, and a log
 * must be audited the same on every runtime.
 */
const CURRENT_CODES =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP ' +
  'GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR ' +
  'KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN ' +
  'MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD ' +
  'SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX ' +
  'USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF ' +
  'XPT XSU XTS XUA XXX YER ZAR ZMW ZWG';

/**
 * Codes withdrawn since 2017, when partners bought APSS: logs of those years still bill in them (the
 * Croatian kuna until 2023, say).
 */
const WITHDRAWN_CODES = 'ANG BGN CUC HRK MRO SLL STD VEF ZWL';

/** Every currency code a usage record may give, in alphabetical order. */
export const currencyCodes: readonly string[] = Object.freeze(
  `${CURRENT_CODES} ${WITHDRAWN_CODES}`.split(' ').sort(),
);

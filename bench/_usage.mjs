// The data of one generated usage record, shared by the benchmarks that build a partner's history.
export const usageData = (subscriptionId, usageId) => ({
  subscriptionId,
  usageId,
  usageDate: '2019-01-01',
  meterCategory: 'VM',
  meterName: 'D2',
  quantity: 1,
  unitPrice: 0.1,
  currency: 'EUR',
});

/** A partner's UsageRecorded event on its subscription 'sub-1', dated the day of `at`, by the billing system. */
export const usageRecorded = (partnerId, usageId, at) => ({
  type: 'UsageRecorded',
  data: { partnerId, ...usageData('sub-1', usageId), usageDate: at.slice(0, 10) },
  metadata: { actor: { id: 'billing', role: 'System' }, at, schemaVersion: 1 },
});

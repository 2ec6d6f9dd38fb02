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

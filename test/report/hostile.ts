/** A log whose ids and messages are written to break a page that forgot to escape them. */
export const SCRIPT_PARTNER = '<script>alert(1)</script>';
export const STYLE_PARTNER = '</style><b>bold</b>';
/** Quotes in an id, so that the `why` that names it holds them. */
export const QUOTED_DEPLOYMENT = `dep" onmouseover="alert(2)' x='`;
/** Would set a flag on the window, were it ever markup. */
export const IMG_ACTOR = '"><img src=x onerror="window.pwned=true">';

const at = (day: string) => `${day}T10:00:00.000Z`;
const meta = (role: string, day: string, id = 'admin@example') => ({
  actor: { id, role },
  at: at(day),
  schemaVersion: 1,
});

/** Seven records: a tenant, another created by a helpdesk agent, a subscription, usage, a deployment after the cutoff, a cancel by a helpdesk agent, and a line that is not JSON. */
export function hostileLog(): string {
  const partnerId = SCRIPT_PARTNER;
  const records = [
    {
      type: 'SharedTenantCreated',
      data: { partnerId, tenantId: 'tenant' },
      metadata: meta('AdminAgent', '2018-05-01'),
    },
    {
      type: 'SharedTenantCreated',
      data: { partnerId: STYLE_PARTNER, tenantId: STYLE_PARTNER },
      metadata: meta('HelpdeskAgent', '2018-05-02', 'helpdesk'),
    },
    {
      type: 'ApssSubscriptionPurchased',
      data: { partnerId, tenantId: 'tenant', subscriptionId: '<i>sub</i>' },
      metadata: meta('AdminAgent', '2018-05-01'),
    },
    {
      type: 'UsageRecorded',
      data: {
        partnerId,
        subscriptionId: '<i>sub</i>',
        usageId: 'u-1',
        usageDate: '2018-05-31',
        meterCategory: '<b>VMs</b>',
        meterName: 'D2',
        quantity: 10,
        unitPrice: 0.1,
        currency: 'EUR',
      },
      metadata: meta('System', '2018-06-01', 'billing'),
    },
    {
      type: 'MarketplaceOfferDeployed',
      data: {
        partnerId,
        subscriptionId: '<i>sub</i>',
        deploymentId: QUOTED_DEPLOYMENT,
        offerId: 'offer',
        publisherId: 'publisher',
        pricing: 'byol',
      },
      metadata: { ...meta('AdminAgent', '2019-03-01'), at: '2019-03-01T00:01:00.000Z' },
    },
    {
      type: 'SubscriptionCancelled',
      data: { partnerId, subscriptionId: '<i>sub</i>' },
      metadata: meta('HelpdeskAgent', '2019-04-01', IMG_ACTOR),
    },
  ];
  return `${records.map((record) => JSON.stringify(record)).join('\n')}\n<script>alert(4)</script>\n`;
}

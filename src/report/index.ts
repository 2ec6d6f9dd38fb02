// The entry point apss-domain/report: the audit as one HTML page. Its charts need the optional peers
// vega and vega-interpreter, loaded only when a page is made.
export { auditReportHtml, CHART_LIBRARIES_MISSING, type AuditHtmlInput } from './html.js';

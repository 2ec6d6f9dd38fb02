/** The file beside the page that holds every finding: `report.html` keeps them in `report.findings.csv`. */
export const findingsFileOf = (html: string): string => `${html.replace(/\.html?$/i, '')}.findings.csv`;

export { createCA, caInfo, parseCertificate, CA_COMMON_NAME, CA_VALIDITY_YEARS, type CAFiles, type CAInfo } from './ca.js';
export { ensureClusterCA, loadCACertificate, writeAtomic, CA_CERT_FILE, CA_KEY_FILE, type ClusterCA, type EnsureOptions } from './store.js';
export { loadClusterCA, clusterCAAtStart } from './load.js';
export { issueServingCertificate, type ServingCertificate, type ServingCertificateRequest } from './serving.js';
export { issueCertificate, servingSANs, subjectName, certificateSANs, LEAF_VALIDITY_DAYS, type CertRequest, type IssuedCert, type SigningCA, type CertUsage } from './issue.js';
export { ensureServingCert, ensureClientCert, writeOnce, SERVING_CERT_FILE, SERVING_KEY_FILE, CLIENTS_DIR } from './files.js';

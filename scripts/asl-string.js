// Serverless resolves ${...} inside files it loads, which would eat the ASL's ${Placeholder} tokens meant for
// DefinitionSubstitutions; handing the definition over as one string keeps the ASL file pure and untouched.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const read = (name) => readFileSync(resolve(__dirname, '..', 'statemachines', `${name}.asl.json`), 'utf8');

module.exports = {
  createCluster: () => read('create-cluster'),
  deleteCluster: () => read('delete-cluster'),
  deliverWebhook: () => read('deliver-webhook'),
  updateCluster: () => read('update-cluster'),
};

/**
 * One SDK client per region, created on first use and kept for the life of the execution environment (a cluster may
 * live in another region than the service). The adapters of CloudFormation, EC2 and SSM each take such a lookup.
 */
export function clientsByRegion<Client>(create: (region: string) => Client): (region: string) => Client {
  const clients = new Map<string, Client>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = create(region)));
    return client;
  };
}

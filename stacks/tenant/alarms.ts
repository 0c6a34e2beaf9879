import { AlertTopic } from "../../modules/aws/alert-topic";
import { alertTopicName } from "../config/names";
import { TenantScope } from "./scope";

/**
 * Where the tenant's alarms (pullers, streams, consumers, the vault) go: the environment's alert topic
 * in their region (the platform stack's, found by its ARN). Without SNS delivery there is no topic, and
 * the alarms say so in their description. A tenant in an account of its own has no topic to reach: the
 * environment's is in another account, and alarms are not delivered across accounts here.
 */
export interface AlarmRouting {
  /** The alert topic in the tenant's region, if alarms have one. */
  readonly topicArn?: string;
  /** The alert topic in `region`, if alarms have one. */
  topicArnIn(region: string): string | undefined;
  /** Why alarms have no action, for when there is no topic. */
  readonly withoutTopicReason: string;
}

export function alarmRouting({ lakehouse, env, tenant }: TenantScope): AlarmRouting {
  const own = tenant.ownAccount;
  const topicArnIn = (region: string) =>
    env.config.alertDelivery?.sns && !own ? AlertTopic.arnFor(region, env.accountId, alertTopicName(lakehouse.organization, env.name)) : undefined;
  return {
    topicArn: topicArnIn(tenant.region),
    topicArnIn,
    withoutTopicReason: own
      ? `tenant ${tenant.id} is in AWS account ${tenant.accountId}, and environment ${env.name}'s alert topic is in ${env.accountId} (alarms are not delivered across accounts)`
      : `environment ${env.name} has no alertDelivery.sns, so there is no alert topic to notify`,
  };
}

/** A module's alarm props: the topic its alarms notify, or why they notify nothing. */
export function alarmProps(alarms: AlarmRouting): { alarmTopicArn: string | undefined; alarmsWithoutActionsReason: string | undefined } {
  return { alarmTopicArn: alarms.topicArn, alarmsWithoutActionsReason: alarms.topicArn ? undefined : alarms.withoutTopicReason };
}

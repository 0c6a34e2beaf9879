import { Token } from "cdktf";
import { accountRootArn, arn, iamRoleArn, partitionOf, partitionOfArn, partitionOfArns, partitionOfRegion, s3BucketArn } from "../../../modules/core/arn";

describe("arn(): ARNs in the partition of their region", () => {
  test.each([
    ["us-east-1", "aws"],
    ["eu-west-1", "aws"],
    ["ap-southeast-7", "aws"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-gov-east-1", "aws-us-gov"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
    ["us-iso-east-1", "aws-iso"],
    ["us-isob-east-1", "aws-iso-b"],
    ["eu-isoe-west-1", "aws-iso-e"],
    ["us-isof-south-1", "aws-iso-f"],
  ])("GIVEN region %s THEN the partition is %s", (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
    expect(partitionOf({ region })).toBe(partition);
  });

  test("a region that is a token has no partition at synth time: a caller's mistake, refused", () => {
    expect(() => partitionOfRegion(Token.asString({ Ref: "region" }))).toThrow(/must be known at synth time/);
  });

  test("an ARN states its partition; a token or anything else states none", () => {
    expect(partitionOfArn("arn:aws-us-gov:iam::111111111111:role/x")).toBe("aws-us-gov");
    expect(partitionOfArn("arn:aws-cn:s3:::bucket")).toBe("aws-cn");
    expect(partitionOfArn("arn:aws:kms:eu-west-1:111111111111:key/1")).toBe("aws");
    expect(partitionOfArn("arn:aws-moon:s3:::bucket")).toBeUndefined();
    expect(partitionOfArn("not an arn")).toBeUndefined();
    expect(partitionOfArn(Token.asString({ Ref: "key" }))).toBeUndefined();
    expect(partitionOfArns([undefined, Token.asString({ Ref: "key" }), "arn:aws-cn:iam::111111111111:root"])).toBe("aws-cn");
    expect(partitionOfArns([])).toBeUndefined();
  });

  test("the parts, with the partition from the region or given", () => {
    expect(arn({ service: "logs", region: "us-gov-west-1", account: "111111111111", resource: "log-group:/aws/lambda/x" })).toBe(
      "arn:aws-us-gov:logs:us-gov-west-1:111111111111:log-group:/aws/lambda/x",
    );
    expect(arn({ service: "sns", region: "cn-north-1", account: "111111111111", resource: "alerts" })).toBe("arn:aws-cn:sns:cn-north-1:111111111111:alerts");
    expect(arn({ service: "logs", region: "eu-west-1", account: "111111111111", resource: "log-group:*" })).toBe(
      "arn:aws:logs:eu-west-1:111111111111:log-group:*",
    );
    // A given partition wins over the region's (a global resource named from a region elsewhere).
    expect(arn({ partition: "aws-cn", service: "s3", resource: "bucket" })).toBe("arn:aws-cn:s3:::bucket");
    expect(s3BucketArn("aws-us-gov", "acme-logs")).toBe("arn:aws-us-gov:s3:::acme-logs");
    expect(iamRoleArn("aws", "111111111111", "reader")).toBe("arn:aws:iam::111111111111:role/reader");
    expect(accountRootArn("aws-iso-b", "111111111111")).toBe("arn:aws-iso-b:iam::111111111111:root");
  });
});

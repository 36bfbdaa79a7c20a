"""The functions' network and the cache: an ElastiCache Serverless cache (TLS only) and security groups, created by
the template unless the operator brings their own.

- ``CreateRedisCache=true`` (default): a Valkey serverless cache in ``VpcSubnetIds``, reachable only from the
  functions' security group; functions get ``REDIS_URL=rediss://<endpoint>:<port>/0`` and cluster mode.
- ``CreateRedisCache=false``: the operator's cache, whose ``rediss://`` URL goes into the ``redis-url`` secret.
- ``VpcSecurityGroupIds`` empty (default): the functions get a security group made here (egress to HTTPS, MongoDB
  Atlas and the cache only); given, they get those groups (plus this one when the cache is made here).
"""

from __future__ import annotations

from typing import Any

from infra.operations import PLATFORM_KEY

Json = dict[str, Any]
CACHE = "RedisCache"
FUNCTION_SECURITY_GROUP = "FunctionSecurityGroup"
CACHE_SECURITY_GROUP = "CacheSecurityGroup"
CREATE_CACHE = "CreateCache"
NO_SECURITY_GROUPS_GIVEN = "NoSecurityGroupsGiven"
CREATE_FUNCTION_SECURITY_GROUP = "CreateFunctionSecurityGroup"
CACHE_PORTS = (6379, 6380)  # serverless endpoint and its reader endpoint
ATLAS_PORTS = (27015, 27017)  # mongodb+srv hosts (27017), and Atlas' sharded-cluster range


def parameters() -> Json:
    return {
        "VpcSubnetIds": {
            "Type": "List<AWS::EC2::Subnet::Id>",
            "Description": "Private subnets in two or more AZs (NAT gateway or VPC endpoints for Atlas and AWS APIs); "
            "the cache is placed in them too",
        },
        "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC of VpcSubnetIds (the security groups' VPC)"},
        "VpcSecurityGroupIds": {
            "Type": "CommaDelimitedList",
            "Default": "",
            "Description": "Security groups for the functions; empty = the template creates one",
        },
        "CreateRedisCache": {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "Create an ElastiCache Serverless (Valkey, TLS) cache; false = use the redis-url secret",
        },
        "RedisCluster": {
            "Type": "String",
            "Default": "false",
            "AllowedValues": ["true", "false"],
            "Description": "Whether your own cache (CreateRedisCache=false) runs in cluster mode",
        },
    }


def conditions() -> Json:
    return {
        CREATE_CACHE: {"Fn::Equals": [{"Ref": "CreateRedisCache"}, "true"]},
        NO_SECURITY_GROUPS_GIVEN: {"Fn::Equals": [{"Fn::Join": ["", {"Ref": "VpcSecurityGroupIds"}]}, ""]},
        CREATE_FUNCTION_SECURITY_GROUP: {
            "Fn::Or": [{"Condition": CREATE_CACHE}, {"Condition": NO_SECURITY_GROUPS_GIVEN}]
        },
    }


def vpc_config() -> Json:
    given = {"Ref": "VpcSecurityGroupIds"}
    both = {"Fn::Split": [",", {"Fn::Join": [",", [{"Ref": FUNCTION_SECURITY_GROUP}, {"Fn::Join": [",", given]}]]}]}
    made_here = [{"Ref": FUNCTION_SECURITY_GROUP}]
    return {
        "SubnetIds": {"Ref": "VpcSubnetIds"},
        "SecurityGroupIds": {"Fn::If": [NO_SECURITY_GROUPS_GIVEN, made_here, {"Fn::If": [CREATE_CACHE, both, given]}]},
    }


def cache_environment() -> Json:
    """``REDIS_URL`` and ``REDIS_CLUSTER`` of a function in the VPC."""
    url = {"Fn::Sub": f"rediss://${{{CACHE}.Endpoint.Address}}:${{{CACHE}.Endpoint.Port}}/0"}
    return {
        "REDIS_URL": {"Fn::If": [CREATE_CACHE, url, {"Ref": "AWS::NoValue"}]},
        "REDIS_CLUSTER": {"Fn::If": [CREATE_CACHE, "true", {"Ref": "RedisCluster"}]},
    }


def _egress(description: str, ports: tuple[int, int], **target: Any) -> Json:
    return {"Description": description, "IpProtocol": "tcp", "FromPort": ports[0], "ToPort": ports[1], **target}


def resources() -> Json:
    return {
        FUNCTION_SECURITY_GROUP: {
            "Type": "AWS::EC2::SecurityGroup",
            "Condition": CREATE_FUNCTION_SECURITY_GROUP,
            "Properties": {
                "GroupDescription": "sharemeter functions: out to HTTPS (AWS APIs), MongoDB Atlas and the cache only",
                "VpcId": {"Ref": "VpcId"},
                "SecurityGroupEgress": [
                    _egress("AWS APIs and Stripe/Twilio over TLS", (443, 443), CidrIp="0.0.0.0/0"),
                    _egress("MongoDB Atlas over TLS", ATLAS_PORTS, CidrIp="0.0.0.0/0"),
                ],
                "Tags": [{"Key": "app", "Value": "sharemeter"}],
            },
        },
        "FunctionToCacheEgress": {
            "Type": "AWS::EC2::SecurityGroupEgress",
            "Condition": CREATE_CACHE,
            "Properties": {
                "GroupId": {"Fn::GetAtt": [FUNCTION_SECURITY_GROUP, "GroupId"]},
                **_egress("the ElastiCache Serverless cache over TLS", CACHE_PORTS,
                          DestinationSecurityGroupId={"Fn::GetAtt": [CACHE_SECURITY_GROUP, "GroupId"]}),
            },
        },
        CACHE_SECURITY_GROUP: {
            "Type": "AWS::EC2::SecurityGroup",
            "Condition": CREATE_CACHE,
            "Properties": {
                "GroupDescription": "sharemeter cache: in from the functions only, nothing out",
                "VpcId": {"Ref": "VpcId"},
                "SecurityGroupIngress": [
                    {"Description": "sharemeter functions", "IpProtocol": "tcp", "FromPort": CACHE_PORTS[0],
                     "ToPort": CACHE_PORTS[1],
                     "SourceSecurityGroupId": {"Fn::GetAtt": [FUNCTION_SECURITY_GROUP, "GroupId"]}}
                ],
                # without a rule CloudFormation allows all egress; this one matches nothing
                "SecurityGroupEgress": [_egress("no egress", (443, 443), CidrIp="127.0.0.1/32")],
                "Tags": [{"Key": "app", "Value": "sharemeter"}],
            },
        },
        CACHE: {
            "Type": "AWS::ElastiCache::ServerlessCache",
            "Condition": CREATE_CACHE,
            "DeletionPolicy": "Delete",  # rate limits, lockouts and revocations: all of it expires within a day
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "ServerlessCacheName": {"Fn::Sub": "sharemeter-${Stage}"},
                "Description": "sharemeter rate limits, lockouts, token denylist (TLS only)",
                "Engine": "valkey",
                "MajorEngineVersion": "8",
                "SubnetIds": {"Ref": "VpcSubnetIds"},
                "SecurityGroupIds": [{"Fn::GetAtt": [CACHE_SECURITY_GROUP, "GroupId"]}],
                "KmsKeyId": {"Ref": PLATFORM_KEY},
                "CacheUsageLimits": {"DataStorage": {"Maximum": 1, "Unit": "GB"}},
                "Tags": [{"Key": "app", "Value": "sharemeter"}],
            },
        },
    }

"""The local stack: moto bootstrap, pollers that play Lambda's event sources,
the scheduler, the simulator. Never packaged into the Lambda."""

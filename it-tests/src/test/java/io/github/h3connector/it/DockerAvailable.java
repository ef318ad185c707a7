package io.github.h3connector.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs the annotated ITs when Docker is reachable. Otherwise they are skipped, except with {@code CI=true}, where they
 * run and fail in {@link JettyContainers#requireDocker()}: on CI an unreachable Docker is a broken build, not a skip.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DockerAvailable.Condition.class)
public @interface DockerAvailable
{
    final class Condition implements ExecutionCondition
    {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context)
        {
            if (JettyContainers.isCi())
                return ConditionEvaluationResult.enabled("CI=true: Docker is required");
            if (DockerClientFactory.instance().isDockerAvailable())
                return ConditionEvaluationResult.enabled("Docker is reachable");
            return ConditionEvaluationResult.disabled("Docker is not reachable: " + JettyContainers.DOCKER_FIX + " (or run sudo ./test.sh)");
        }
    }
}

package io.flinfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/operations.md lists the ACLs the job asks for (and SecuredRunTest grants), command for command. */
class StreamingJobAclsTest {
    @Test
    void theOperationsGuideListsTheJobsAclsForTheDefaultOptions() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "operations.md"));
        PipelineOptions defaults = PipelineOptions.builder("kafka:9092", EngineConfig.defaults(Path.of("model"))).build();

        String commands = StreamingJob.acls(defaults).commands("kafka:9092", "User:flinfer", acl -> true);

        assertThat(commands.lines()).hasSize(5).allSatisfy(command -> assertThat(guide).contains(command));
        assertThat(commands).contains("--transactional-id flinfer-flinfer --resource-pattern-type prefixed");
    }
}

package io.flinfer.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HubSettingsTest {
    private static final Path HOME = Path.of("/home/flink");

    @Test
    void defaultsMatchHuggingFaceHub() {
        HubSettings settings = HubSettings.fromVariables(Map.of(), HOME);

        assertThat(settings).isEqualTo(new HubSettings("https://huggingface.co", null,
                Path.of("/home/flink/.cache/huggingface/hub"), false));
    }

    @Test
    void hfHomeMovesTheCacheAndHfHubCacheOverridesIt() {
        assertThat(HubSettings.fromVariables(Map.of("HF_HOME", "/models/hf"), HOME).hubCache())
                .isEqualTo(Path.of("/models/hf/hub"));
        assertThat(HubSettings.fromVariables(Map.of("HF_HOME", "/models/hf", "HF_HUB_CACHE", "/fast/hub"), HOME).hubCache())
                .isEqualTo(Path.of("/fast/hub"));
        assertThat(HubSettings.fromVariables(Map.of("XDG_CACHE_HOME", "/xdg"), HOME).hubCache())
                .isEqualTo(Path.of("/xdg/huggingface/hub"));
    }

    @Test
    void endpointAndTokenAreRead() {
        HubSettings settings = HubSettings.fromVariables(
                Map.of("HF_ENDPOINT", "https://hf-mirror.example/", "HF_TOKEN", " hf_abc\n"), HOME);

        assertThat(settings.endpoint()).isEqualTo("https://hf-mirror.example");
        assertThat(settings.token()).isEqualTo("hf_abc");
        assertThat(HubSettings.fromVariables(Map.of("HF_TOKEN", ""), HOME).token()).isNull();
        assertThat(HubSettings.fromVariables(Map.of("HF_ENDPOINT", ""), HOME).endpoint()).isEqualTo(HubSettings.DEFAULT_ENDPOINT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "true", "YES", "on"})
    void offlineIsSwitchedOnLikeHuggingFaceHubDoes(String value) {
        assertThat(HubSettings.fromVariables(Map.of("HF_HUB_OFFLINE", value), HOME).offline()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "false", ""})
    void otherOfflineValuesLeaveTheNetworkOn(String value) {
        assertThat(HubSettings.fromVariables(Map.of("HF_HUB_OFFLINE", value), HOME).offline()).isFalse();
    }
}

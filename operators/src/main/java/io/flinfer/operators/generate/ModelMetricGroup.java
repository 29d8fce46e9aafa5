package io.flinfer.operators.generate;

import io.flinfer.operators.records.ServedModel;
import java.lang.reflect.Field;
import java.util.Map;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.MetricRegistry;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.GenericMetricGroup;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;

/**
 * The generate operator's metrics with a {@code model_name} label, as vLLM labels its metrics, under
 * the operator's own metric names. Flink's {@code addGroup("model_name", name)} would also put the key
 * into every name ({@code ..._operator_model_name_num_requests_running}), renaming the series that
 * dashboards and alerts read; Flink has no public way to add a label alone. So this child group keeps
 * its parent's logical scope (what reporters build names from) and adds one variable (what they make
 * labels of). Its parent does not know it: the operator closes it, which unregisters its metrics.
 */
final class ModelMetricGroup extends GenericMetricGroup {
    static final String LABEL = "model_name";

    private final String model;

    private ModelMetricGroup(MetricRegistry registry, AbstractMetricGroup<?> parent, String model) {
        super(registry, parent, model);
        this.model = model;
    }

    /** A group under {@code operator} whose metrics carry {@code model_name}: the model's served name. */
    static ModelMetricGroup of(MetricGroup operator, ServedModel model) {
        if (!(operator instanceof AbstractMetricGroup<?> parent)) {
            throw new IllegalArgumentException("an operator's metric group is one of Flink's runtime groups, not "
                    + operator.getClass().getName());
        }
        return new ModelMetricGroup(registryOf(parent), parent, model.name());
    }

    @Override
    protected void putVariables(Map<String, String> variables) {
        variables.put(ScopeFormat.asVariable(LABEL), model);
    }

    @Override
    protected String createLogicalScope(CharacterFilter filter, char delimiter) {
        return parent.getLogicalScope(filter, delimiter);
    }

    /** Where the parent reports its metrics: Flink keeps it in a protected field and offers no getter. */
    private static MetricRegistry registryOf(AbstractMetricGroup<?> group) {
        try {
            Field registry = AbstractMetricGroup.class.getDeclaredField("registry");
            registry.setAccessible(true);
            return (MetricRegistry) registry.get(group);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Flink version's metric groups keep their registry elsewhere: "
                    + "the generate operator cannot label its metrics with " + LABEL, e);
        }
    }
}

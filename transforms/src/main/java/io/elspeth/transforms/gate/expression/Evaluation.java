package io.elspeth.transforms.gate.expression;

import java.util.Map;

/**
 * What one evaluation of an expression works on: the row and the budget it spends.
 *
 * @param row the row map that {@code row} names
 * @param budget the account of this evaluation only
 */
record Evaluation(Map<String, Object> row, EvaluationBudget budget) {}

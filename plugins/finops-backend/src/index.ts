import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { catalogModuleFinopsBudgets, finopsPlugin } from './plugin';

export { catalogModuleFinopsBudgets, finopsPlugin };
export { CostStore } from './database/CostStore';
export { BudgetStore } from './database/BudgetStore';
export { CostIngester } from './services/CostIngester';
export { CostService } from './services/CostService';
export { OpenCostClient } from './opencost/OpenCostClient';
export { backtest, forecastDaily } from './forecast/holtWinters';

/** The FinOps backend plugin and its catalog module (budget annotations), as one feature. */
export default createBackendFeatureLoader({
  *loader() {
    yield finopsPlugin;
    yield catalogModuleFinopsBudgets;
  },
});

export { default } from './plugin';
export { deliveryApiRef } from './api/DeliveryApi';
export type { DeliveryApi } from './api/DeliveryApi';
export { DeliveryClient } from './api/DeliveryClient';

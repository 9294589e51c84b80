import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators/auth.decorators';
import { AuditPage, AuditService } from '../audit/audit.service';
import { AuditQueryDto } from './dto/admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/audit')
export class AdminAuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  query(@Query() q: AuditQueryDto): Promise<AuditPage> {
    return this.audit.query(q);
  }
}
